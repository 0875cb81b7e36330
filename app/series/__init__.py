"""Meeting series: a rule that repeats a body's meeting, whose occurrences are meetings of their own."""
