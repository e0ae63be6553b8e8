"""The investigation web application (`tradetrace serve`)."""
