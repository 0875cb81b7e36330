"""Who attended a meeting (present, excused, absent; who stood in for whom; guests), and the quorum."""
