"""Where the benchmarks find the project and leave their results (never an absolute path)."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
# Git-ignored (test-artifacts/ is in .gitignore).
ARTIFACTS = REPO_ROOT / "test-artifacts" / "bench"
