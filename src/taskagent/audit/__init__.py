"""The audit trail of tasks: who changed what, through which channel, and when."""
