"""Helpers shared by the model scripts (convert.py, prune_mask.py): file hashes and the
manifest's on-disk layout. Standard library only, so importing it pulls in no TensorFlow."""
import hashlib
import json
import os
import re


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_manifest(path, manifest):
    """Writes `manifest` as indented JSON with each shape on one line, through a temporary file."""
    text = json.dumps(manifest, indent=2)
    # Keep shapes on one line: "shape": [1, 224, 224, 3].
    text = re.sub(r"\[\s*(-?\d+(?:,\s*-?\d+)*)\s*\]",
                  lambda m: "[" + ", ".join(re.split(r",\s*", m.group(1))) + "]", text)
    tmp = path + ".part"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text + "\n")
    os.replace(tmp, path)
