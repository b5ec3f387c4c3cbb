"""voltroute: plan electrified and automated parcel delivery.

Layers, each importing only those above it in this list::

    model -> network -> energy -> solve -> evaluate -> io -> cli / service
"""

__version__ = "0.1.0"
