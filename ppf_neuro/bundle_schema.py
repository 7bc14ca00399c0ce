"""The layout of a ppf-neuro HDF5 bundle, shared by the writer and the reader.

::

    /layer/0..L-1     the SNN in lava-dl netx layout (models with a spiking branch):
                      ``netx.hdf5.Network(path)`` loads the bundle file itself
    /ppf_neuro        attrs: format, format_version, model, config (JSON), versions (JSON),
                      dataset, image_shape, num_classes, class_names (JSON),
                      quantum_circuit (text drawing; models with a quantum branch),
                      sha256 (see :func:`content_digest`)
    /ppf_neuro/state/<name>   the classifier's PyTorch state_dict, one dataset per tensor:
                      ``snn.*`` the spiking net, ``qnn.*`` reduction (e.g. PCA
                      components), circuit weights and head, ``ratio_logit``

The fusion ratio lives in one place: ``config`` when it is fixed, the state's
``ratio_logit`` (a = sigmoid) when it was learned.
Bundles hold arrays and JSON text only: nothing in them is ever executed.
"""

import hashlib

import h5py
import numpy as np

FORMAT = "ppf-neuro-bundle"
#: Bumped on any change a reader of the previous version would misread
#: (2: the ``fusion`` attribute is gone, ``sha256`` added).
FORMAT_VERSION = 2
DIGEST_ATTR = "sha256"

META_GROUP = "ppf_neuro"
NETX_GROUP = "layer"
STATE_GROUP = f"{META_GROUP}/state"


def content_digest(f: h5py.File) -> str:
    """SHA-256 over every dataset (path, dtype, shape, bytes) and every attribute of the
    metadata group but the digest itself: any changed weight, config or netx layer shows."""
    h = hashlib.sha256()

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            value = np.asarray(obj[()])
            h.update(f"{name}|{value.dtype.str}|{value.shape}|".encode())
            h.update(value.tobytes())

    f.visititems(visit)
    attrs = f[META_GROUP].attrs
    for key in sorted(k for k in attrs if k != DIGEST_ATTR):
        value = np.asarray(attrs[key])
        h.update(f"@{key}|{value.dtype.str}|".encode())
        h.update(value.tobytes())
    return h.hexdigest()
