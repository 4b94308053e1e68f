import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READS = [
    re.compile(r"""\benv(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]+)["']"""),
    re.compile(r"""environ\.get\(\s*["']([A-Z][A-Z0-9_]+)["']"""),
    re.compile(r"""\$\{([A-Z][A-Z0-9_]+)[:}-]"""),
]
# Set by the platform or the image, not by an operator.
NOT_CONFIGURATION = {"BASH_SOURCE", "PYTHON_IMAGE", "HOME", "PATH"}


def test_every_environment_variable_the_code_reads_is_documented_in_env_example():
    sources = [*ROOT.glob("flightbook/**/*.py"), *ROOT.glob("apps/**/*.py"), *ROOT.glob("docker/*")]
    read = {name for path in sources for pattern in READS for name in pattern.findall(path.read_text())}
    documented = set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    assert read - NOT_CONFIGURATION - documented == set()
