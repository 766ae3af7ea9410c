"""The phone as the other end (interface.md section 11): replies, commands, calls, refusals."""
