"""Minutes (Niederschrift): notes per agenda item, revisions, circulation for comments, approval, amendments."""
