"""Registration for kick-off and information events: capacity, deadline, waiting list, participant list."""
