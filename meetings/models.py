"""Meetings: agenda, attendance and quorum, recusals, votes and minutes (the meetings issue)."""
