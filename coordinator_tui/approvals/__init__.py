"""The approval inbox's core: requests, decisions, rules and the audit log.

Standard library and the file layer only: the hook (``agents/approvals``) imports it
while an agent waits, and the command line, the dashboard, ``run --notify`` and the
demo read and answer through it. Everything lives in the user's private state folder
(``files.config_file.user_state_folder``, mode 0700), one corner per coordination
directory, never in the coordination directory or a project: an agent that can write
its project must not be able to write a decision.
"""
