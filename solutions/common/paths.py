"""Where things are: the repository's own folders and every data location the course reads.

Course code finds paths here and nowhere else (not from the engine).  Which of several
locations a data set is read from, and how a download is checked, is
:func:`solutions.common.files.locate`'s business; the data modules name the candidates.
"""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
RESULTS_DIR = REPO_ROOT / "results"  # recorded runs, one folder per task (tracked by git)
CHECKPOINTS_DIR = REPO_ROOT / "checkpoints"  # interrupted runs' state (ignored by git)
CACHE_DIR = REPO_ROOT / ".cache"  # downloads and tokenised data (ignored by git)

# Data kept beside the project on machines without internet (``../shared/data``).
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
IMDB_LOCAL = SHARED_DATA / "imdb" / "aclImdb_labelled.tar.gz"  # a labelled-only repack of aclImdb_v1
HYMENOPTERA_LOCAL = SHARED_DATA / "hymenoptera" / "hymenoptera_data.zip"
YELP_LOCAL = SHARED_DATA / "yelp_sentences"
STYLE_IMAGES_LOCAL = SHARED_DATA / "style_images"

# Where checked downloads and derived data are kept.
IMDB_CACHE = CACHE_DIR / "imdb"
HYMENOPTERA_CACHE = CACHE_DIR / "hymenoptera"
