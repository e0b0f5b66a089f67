"""Build the base category model shipped in the package (no Django, no network).

    PYTHONPATH=src .venv/bin/python src/minqing/insights/data/build_base_model.py

Reads ``classify.BASE_CORPUS`` (the labelled texts in this folder), fits the same
pipeline a deployment trains (character 1–3-gram TF-IDF + logistic regression,
vocabulary capped at ``BASE_MAX_FEATURES``) and writes
``base_category_model.joblib`` (xz-compressed, float32 weights, < 2 MB).
"""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minqing.settings")
    import django

    django.setup()
    from minqing.insights import classify

    size = classify.build_base_model()
    print(f"{classify.BASE_MODEL}: {size / 1024:.0f} KiB from {len(classify.base_corpus())} texts")
    sys.exit(0)
