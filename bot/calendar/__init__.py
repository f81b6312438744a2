"""Calendar invites and feeds: iCalendar documents, invites, the booking form, feeds."""
