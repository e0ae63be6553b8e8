"""Keys shared by detectors: the lower layer of ``tradetrace.detect``.

Modules here turn names, tax ids, brands and models into the keys detectors group
shipments by; they import no detector and no module that does.
"""
