"""The shared kernel of the ethics-committee system (Django app label "ethics")."""
