"""ttalertd: text the owner when the machine needs attention."""
