"""`python -m curation.sft ...` = `corpusloop sft ...`."""

import sys

from curation.sft.cli import main

sys.exit(main())
