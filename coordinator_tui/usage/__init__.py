"""What each agent session spent, read from the agents' own transcripts (issue 28).

The readers (``readers``) parse one transcript line at a time; ``transcript`` follows
one file incrementally; ``follower`` follows every session's transcripts in a thread
and keeps offsets and totals in ``.coordinator/usage/``; ``rate_table`` keeps
genai-prices' rates in the user's cache. Standard library, ``orjson`` and ``files/``
only: prices and the cost of the work are the analysis' business (``analysis.costs``),
which receives the totals as plain data.
"""
