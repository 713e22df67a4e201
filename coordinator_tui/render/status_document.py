"""The ``status --json`` document (schema version 3), as typed dictionaries pydantic
validates and describes.

``render.status_json`` builds the document as these dictionaries (mypy checks every key
and type where it is built); ``coordinator-tui schema`` prints their JSON Schema, made by
pydantic (``TypeAdapter``), each field's docstring its description (``docstrings``,
``docs/schema.md``). They are ``TypedDict``s, not ``BaseModel``s: at 10,000 sessions,
building and dumping model instances took 2.6 times the document's own time (CPU,
in-process, 164 -> 431 ms on this loaded machine), past issue 24's budget for ``status
--json``; these cost nothing at run time, and the document is the one printed before.

Stable: fields may be added, never renamed or removed without raising
``SCHEMA_VERSION``. Every field is always present (null when unknown), no other field
appears. Times are UTC ISO 8601 with ``Z``.
"""

from __future__ import annotations

from typing import Final, Literal

from typing_extensions import TypedDict, is_typeddict

SCHEMA_VERSION: Final = 3


class Counts(TypedDict):
    """Sessions by health."""

    total: int
    """Every session file read."""
    live: int
    """working + idle + waiting."""
    working: int
    """Sessions doing real work with a fresh heartbeat."""
    idle: int
    """Fresh sessions with no work (a placeholder such as ``idle``)."""
    stale: int
    """Sessions whose heartbeat is older than ``stale_after_s``."""
    gone: int
    """Sessions whose heartbeat is older than ``gone_after_s``, or that say they stopped."""
    waiting: int
    """Sessions waiting for a human (their own ``state``)."""
    ended: int
    """Sessions that ended themselves (their own ``state``)."""
    starting: int
    """Sessions ``coordinator-tui start`` opened whose agent has not spoken yet."""
    utilization: float
    """working / live, 0–1 (0 when nothing is live)."""


class SessionForecast(TypedDict):
    """When a working session's current work should be done."""

    eta: str
    """Expected finish (ISO 8601)."""
    milestone: str
    """The milestone whose progress the ETA follows."""
    method: str
    """How it was forecast (as ``milestones.items[].forecast.method``)."""
    finishing_soon: bool
    """Due within ``finishing_within_s``: its next suggestion is made early."""


class Tokens(TypedDict):
    """Tokens by kind, and the responses they came in."""

    input: int
    """Input tokens (cache reads and writes not included)."""
    cache_write: int
    """Tokens written to the prompt cache (5 minutes)."""
    cache_read: int
    """Tokens read from the prompt cache."""
    output: int
    """Output tokens."""
    cache_write_1h: int
    """Tokens written to the prompt cache for an hour."""
    responses: int
    """Responses counted."""


class Spend(TypedDict):
    """What some tokens cost. USD rounded to 6 places, of the priced tokens only (0 when
    none had a price: ``priced`` false says the figure leaves tokens out); a last turn on
    a model with no price has ``usd`` null."""

    usd: float | None
    """What the priced tokens cost (USD)."""
    priced: bool
    """Every token had a price (else: at least ``usd``)."""
    tokens: Tokens
    """Every token counted."""
    unpriced_tokens: Tokens
    """The tokens of models with no price ("price unknown", never guessed)."""
    price_unknown: list[str]
    """The models with no price."""


class ModelSpend(Spend):
    """What one model's tokens cost (``model`` first)."""

    model: str
    """The model."""


class LastTurn(TypedDict):
    """A session's newest response."""

    at: str
    """When it came."""
    model: str
    """Its model."""
    tokens: Tokens
    """Its tokens."""
    usd: float | None
    """What it cost (USD), or null without a price."""


class SessionUsage(TypedDict):
    """What a session's agent spent, from its transcripts."""

    agent: str
    """The agent whose transcript was read."""
    complete: bool
    """False while only the transcripts' tails were read: the figures are at least these."""
    total: Spend
    """Everything read."""
    today: Spend
    """Today (UTC)."""
    last_hour: Spend
    """The last hour."""
    by_model: list[ModelSpend]
    """Per model."""
    last_turn: LastTurn | None
    """The newest response."""
    problems: list[str]
    """What could not be read, in words."""


class MilestoneCost(TypedDict):
    """Spend attributed to one milestone through the work timeline."""

    id: str
    """The milestone's id."""
    title: str
    """Its title."""
    priority: str | None
    """Its priority."""
    spent: Spend
    """Spent on it so far."""
    rate_usd_h: float | None
    """Recent spend rate (USD an hour)."""
    eta: str | None
    """Its forecast completion."""
    to_finish_usd: float | None
    """What finishing it should cost at that rate (USD)."""
    to_finish_basis: str
    """How that was estimated, in words."""
    sessions: list[str]
    """The sessions whose spend it holds."""


class WorkCost(TypedDict):
    """Spend attributed to one priority."""

    name: str
    """The priority."""
    spent: Spend
    """Spent on it so far."""
    last_hour: Spend
    """Spent on it in the last hour."""
    sessions: list[str]
    """The sessions whose spend it holds."""


class BudgetState(TypedDict):
    """A budget at or past 80 %."""

    scope: str
    """``session``, ``collective-day`` or ``milestone``."""
    subject: str
    """The session id, the UTC day (``YYYY-MM-DD``) or the milestone id."""
    spent_usd: float | None
    """Spent (USD)."""
    limit_usd: float | None
    """The budget (USD)."""
    share: float
    """spent / limit."""
    level: str
    """``warn`` (80 % or more) or ``over`` (100 % or more: an incident)."""
    complete: bool
    """False while only the transcripts' tails were read."""


class Usage(TypedDict):
    """What the collective's agents spent, and on what."""

    complete: bool
    """False while only the transcripts' tails were read: the figures are at least these."""
    day: str | None
    """The day ``today`` is (UTC)."""
    total: Spend
    """Everything read."""
    today: Spend
    """Today (UTC)."""
    last_hour: Spend
    """The last hour."""
    milestones: list[MilestoneCost]
    """Spend attributed to milestones."""
    priorities: list[WorkCost]
    """Spend attributed to priorities."""
    unattributed: Spend
    """Spend not attributed to any milestone or priority."""
    budgets: list[BudgetState]
    """The budgets at or past 80 %."""


class Session(TypedDict):
    """One session file, as the analysis sees it."""

    id: str
    """The session's id."""
    file: str
    """Its file, relative to the directory (unique)."""
    health: str
    """``working``, ``idle``, ``waiting``, ``stale``, ``gone``, ``ended`` or ``starting``:
    ``waiting``, ``ended`` and ``starting`` (written by ``start``, until the agent speaks)
    come from the session's own ``state``; heartbeat age decides ``stale`` and ``gone``."""
    status: str | None
    """``status`` as the session wrote it."""
    current_work: str | None
    """``current_work`` as the session wrote it."""
    placeholder_work: bool
    """The work is a placeholder that means "no work" (the ``placeholders`` setting)."""
    last_heartbeat: str | None
    """The newest heartbeat seen (its file or its heartbeat events)."""
    heartbeat_age_s: float | None
    """Seconds since the last heartbeat."""
    heartbeat_count: int | None
    """``heartbeat_count`` as written."""
    capabilities: list[str]
    """``capabilities`` as written."""
    started_at: str | None
    """``started_at`` as written."""
    duplicate: bool
    """Another live session does the same work."""
    conflict: bool
    """It works on something another session claimed."""
    recovered: bool
    """Its file was broken the way shell scripts break JSON and was read anyway."""
    kept_last_good: bool
    """Its file is broken now: the last good reading is shown."""
    state: str | None
    """What the agent hooks record (null otherwise): the agent's own state."""
    agent: str | None
    """The agent (``claude``, ``codex``, ``gemini``…), from the hooks."""
    cwd: str | None
    """The agent's working folder, from the hooks."""
    tmux_pane: str | None
    """The tmux pane it runs in, from the hooks."""
    host: str | None
    """The machine it runs on, from the hooks."""
    pid: int | None
    """Its process id, from the hooks."""
    forecast: SessionForecast | None
    """null, or the expected finish of its current work."""
    usage: SessionUsage | None
    """What its agent spent; null when none of its transcripts was read."""


class Duplicate(TypedDict):
    """Sessions doing the same work."""

    work: str
    """The work as one session wrote it."""
    key: str
    """The work normalised (what made them equal)."""
    sessions: list[str]
    """Their ids."""


class Overlap(TypedDict):
    """Two sessions doing similar work."""

    sessions: list[str]
    """The two ids."""
    works: list[str]
    """Their two works."""
    score: float
    """Similarity, 0–1."""


class Conflict(TypedDict):
    """A session working on something another one claimed."""

    session: str
    """The session."""
    work: str
    """Its work."""
    claim: str
    """The claim file's name."""
    claimed_by: str
    """Who holds the claim."""


class Claim(TypedDict):
    """One claim file."""

    name: str
    """The claim's name."""
    file: str
    """Its file, relative to the directory."""
    claimed_by: str | None
    """Who holds it."""
    resource_type: str | None
    """What kind of thing is claimed."""
    resource_name: str | None
    """What is claimed."""
    expires_at: str | None
    """When it expires."""
    active: bool
    """Not expired, and held by a session that is not gone."""


class Priority(TypedDict):
    """One line of ``priorities.txt``, best first."""

    score: float
    """Its score."""
    name: str
    """Its name."""
    description: str
    """Its description."""
    available: bool
    """Nobody works on it or holds a claim on it."""
    worked_on_by: list[str]
    """Ids of the sessions working on it."""
    claimed_by: str | None
    """Who claimed it."""


class Suggestion(TypedDict):
    """A priority suggested to an idle session."""

    session: str
    """The session."""
    priority: str
    """The priority's name."""
    score: float
    """The priority's score."""
    reason: str
    """Why, in words."""


class NextPriority(TypedDict):
    """A priority suggested to a session about to finish or yielding its work."""

    session: str
    """The session."""
    priority: str
    """The priority's name."""
    score: float
    """The priority's score."""
    description: str
    """The priority's description."""
    reason: str
    """Why, in words."""


class MilestoneForecast(TypedDict):
    """When a milestone should be done, or why that cannot be said."""

    eta: str | None
    """Expected completion (ISO 8601), or null."""
    method: str | None
    """``history``, ``steps`` or ``created``, or null."""
    velocity_per_h: float | None
    """Percentage points an hour, or null."""
    basis: str
    """How it was forecast, in words."""
    why_not: str | None
    """``completed``, ``abandoned``, ``blocked``, ``stalled``, ``no progress`` or ``too
    little data``; null when there is an ETA."""


class Milestone(TypedDict):
    """One milestone file."""

    id: str
    """The milestone's id."""
    file: str
    """Its file, relative to the directory."""
    title: str
    """Its title."""
    status: str
    """Its status as written (``unknown`` when missing)."""
    owner: str | None
    """Its owner."""
    priority: str | None
    """Its priority as written."""
    progress: float
    """0–100."""
    progress_source: str
    """Where ``progress`` came from: ``progress``, ``steps`` or ``status``."""
    steps_done: int
    """Steps completed."""
    steps_total: int
    """Steps listed."""
    updated_at: str | None
    """When it was last updated."""
    stalled: bool
    """In progress and not updated for ``stalled_after_s``."""
    forecast: MilestoneForecast | None
    """When it should be done."""


class Milestones(TypedDict):
    """The milestones and how far they are."""

    total: int
    """Milestone files read."""
    by_status: dict[str, int]
    """Status → count."""
    completion_pct: float
    """Completed milestones in percent of those not abandoned."""
    mean_progress: float
    """Mean progress (0–100) of those not abandoned."""
    stalled: int
    """How many are stalled."""
    items: list[Milestone]
    """Each milestone: in progress first, then blocked, pending, unknown, completed."""


class Receipt(TypedDict):
    """How far a message got with one recipient."""

    session: str
    """The recipient (a direct message's one; for a broadcast, each session that took it)."""
    stage: Literal["written", "delivered", "acted on"]
    """The furthest stage reached."""
    written_at: str | None
    """When the message was written (its timestamp)."""
    delivered: bool
    """A hook put it into the agent's context (or ``session inbox`` printed it)."""
    delivered_at: str | None
    """When; null when not delivered, or delivered by a hook that did not note the time."""
    acted_at: str | None
    """When the agent's next turn ran to its end after the delivery."""


Message = TypedDict(
    "Message",
    {
        "file": str,
        "kind": str,
        "from": str,
        "to": str,
        "timestamp": "str | None",
        "subject": str,
        "recovered": bool,
        "receipts": "list[Receipt]",
    },
)
Message.__doc__ = "One message file."
"""(``from`` is a Python keyword, hence no class body: the fields' docstrings are
``MESSAGE_DOCS``.)"""


class Messages(TypedDict):
    """Message counts and the newest messages."""

    broadcast: int
    """Broadcast message files found, less those read and found broken."""
    direct: int
    """Direct message files found, less those read and found broken."""
    recovered: int
    """Among those read, how many were broken and read anyway."""
    latest: list[Message]
    """The 20 newest."""


class FileCount(TypedDict):
    """Files of one kind."""

    found: int
    """Listed."""
    read: int
    """Parsed into a record (for history: only the window of newest files)."""
    recovered: int
    """Broken and read anyway."""


class FileProblem(TypedDict):
    """A file that could not be read, or was read but looks wrong."""

    path: str
    """The file (or folder), relative to the directory."""
    reason: str
    """Why, in words."""
    kind: str
    """What kind of file it is (``sessions``, ``messages``…)."""
    severity: str
    """``error`` (not read) or ``warning`` (read but suspicious)."""


class Resolution(TypedDict):
    """One yielding session of a duplicate or overlap, and who keeps the work."""

    kind: str
    """``duplicate`` or ``overlap``."""
    work: str
    """The keeper's work."""
    yielder_work: str
    """The yielder's own work."""
    keeper: str
    """The session that keeps the work."""
    yielder: str
    """The session that yields it."""
    rule: str
    """Which rule decided: ``claim``, ``started-first``, ``further-along`` or ``tie``."""
    reason: str
    """Why the keeper keeps it, in words."""
    suggestion: NextPriority | None
    """The best available priority for the yielder, or null."""
    situation_key: str
    """Stable while the situation lasts: ``run`` messages the yielder once per key."""


class Resources(TypedDict):
    """Whether to start or stop sessions."""

    action: str
    """``start``, ``stop`` or ``none``."""
    count: int
    """How many sessions to start or stop (0 for ``none``)."""
    sessions: list[str]
    """With ``stop``: the idle sessions that could go, longest idle first."""
    reason: str
    """Why, in words."""
    waiting_work: int
    """Available priorities no idle session will be suggested."""
    idle_now: int
    """Idle sessions now."""
    window_samples: int
    """History samples the advice looked at (0: judged on the present alone)."""


class Quality(TypedDict):
    """What one session finished, left behind, caused and answered."""

    session: str
    """The session's id."""
    finished: int
    """Steps completed plus claims completed."""
    steps_completed: int
    """Milestone steps it completed."""
    milestones_completed: int
    """Completed milestones it owns."""
    claims_completed: int
    """Its claims that say they are completed (claims are usually deleted when released:
    an estimate)."""
    claims_expired: int
    """Its claims that expired unfinished."""
    duplicates_caused: int
    """Duplicate situations it yielded in (as ``run`` counted them over time, else now)."""
    waiting_s: float
    """Seconds it spent waiting for a human."""
    messages_received: int
    """Direct messages it received (among the newest messages read)."""
    messages_answered: int
    """Of those, how many it answered with a direct message to the sender after."""
    approximations: list[str]
    """Which of these figures are estimates."""


class Incident(TypedDict):
    """Stuck work a human should look at."""

    id: str
    """Stable while it lasts."""
    kind: str
    """``milestone-blocked``, ``milestone-stalled``, ``claim-expired``, ``waiting`` or
    ``ghost-claim``."""
    subject: str
    """The milestone, claim or session."""
    title: str
    """What is wrong, in words."""
    since: str | None
    """Since when."""


class Check(TypedDict):
    """What ``status --check`` would exit with."""

    code: int
    """The exit code (the problems' flags added up)."""
    problems: list[str]
    """The problems' names."""
    reasons: list[str]
    """One line each, as ``--check`` prints them."""


class StatusDocument(TypedDict):
    """What ``coordinator-tui status DIR --json`` prints: the state of one directory."""

    schema: Literal[3]
    """The schema's version: 3 (version 2 had none of the coordinator's decisions;
    version 1 had no ``waiting``/``ended`` health, counts or agent fields)."""
    root: str
    """The directory."""
    now: str | None
    """The clock the analysis used."""
    exists: bool
    """Whether the directory exists."""
    counts: Counts
    """Sessions by health."""
    sessions: list[Session]
    """Every session, in attention order: waiting, duplicates and conflicts, stale,
    working, idle, gone and ended."""
    duplicates: list[Duplicate]
    """Groups of sessions doing the same work."""
    overlaps: list[Overlap]
    """Pairs of sessions doing similar work: at most the 200 most similar."""
    overlap_threshold: float
    """The similarity at which two works overlap (the setting)."""
    overlaps_found: int
    """Pairs found."""
    overlaps_capped: bool
    """The list of overlaps is not whole (a dense cluster of alike works is not searched
    exhaustively)."""
    conflicts: list[Conflict]
    """Sessions working on something another one claimed."""
    claims: list[Claim]
    """Every claim."""
    priorities: list[Priority]
    """``priorities.txt``, best first."""
    suggestions: list[Suggestion]
    """Priorities suggested to idle sessions."""
    milestones: Milestones
    """The milestones."""
    messages: Messages
    """The messages."""
    files: dict[str, FileCount]
    """Per kind (``sessions``, ``milestones``, ``messages``, ``claims``, ``heartbeats``)."""
    errors: list[FileProblem]
    """Every file that could not be read or looks wrong; history files older than the
    window are not parsed, so a broken one appears here only once it is read."""
    resolutions: list[Resolution]
    """One per yielding session of a duplicate or overlap."""
    early_suggestions: list[NextPriority]
    """The next priority for sessions about to finish."""
    resources: Resources
    """Whether to start or stop sessions."""
    quality: list[Quality]
    """Per session id."""
    incidents: list[Incident]
    """Stuck work for a human."""
    check: Check
    """What ``--check`` would exit with."""
    usage: Usage
    """What the agents spent (``docs/costs.md``)."""


class Collective(StatusDocument):
    """One directory's own document, with its name in front."""

    name: str
    """The collective's name: its folder's name, made unique among those given (first)."""


class ManyDocument(TypedDict):
    """What ``coordinator-tui status DIR1 DIR2 … --json`` prints."""

    schema: Literal[3]
    """The schema's version: 3."""
    collectives: list[Collective]
    """Each directory's document, as ``status DIR --json`` prints it, with ``name``."""


MESSAGE_DOCS = {
    "file": "Its file, relative to the directory.",
    "kind": "``broadcast`` or ``direct``.",
    "from": "Who sent it.",
    "to": "Who it is for (``all`` for a broadcast).",
    "timestamp": "When it was sent.",
    "subject": "Its subject.",
    "recovered": "Its file was broken and read anyway.",
    "receipts": "Each recipient's receipt: written, delivered, acted on.",
}


def pydantic_config() -> None:
    """Give every part of the document the pydantic config its schema is made with: no
    field but those listed, each described by its docstring (``docstrings.describe``).
    Called by ``commands.schema`` only: printing the document needs no pydantic."""
    from coordinator_tui.docstrings import describe

    for part in list(globals().values()):
        if is_typeddict(part):
            part.__pydantic_config__ = {"extra": "forbid", "json_schema_extra": describe}
    Message.__field_docs__ = MESSAGE_DOCS  # type: ignore[attr-defined]
