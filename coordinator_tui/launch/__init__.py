"""Starting, waking and stopping agents in tmux (Textual-free).

``start`` opens an agent in a new tmux window (optionally in a new git worktree) on a
priority and writes its session file (``starting``); ``wake`` types one line into an
idle agent's prompt so its hook delivers new messages; ``stop`` ends the agent, its
window, its session and its claims. The dashboard and the ``start``/``stop``/``send
--wake`` commands call these; each action is one line in the session's timeline.
"""
