"""Action items (Aufgaben): from a meeting or decision, for a person or an organisation, until done or dropped."""
