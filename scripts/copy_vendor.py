"""Copy the pinned front-end libraries from node_modules/ into static/vendor/.
Run by `make vendor` after `npm ci`; static/vendor/ is generated, not committed."""
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILES = {
    "node_modules/sortablejs/Sortable.min.js": "sortable/Sortable.min.js",
    "node_modules/socket.io-client/dist/socket.io.esm.min.js": "socket.io/socket.io.esm.min.js",
    "node_modules/socket.io-client/dist/socket.io.min.js": "socket.io/socket.io.min.js",
    "node_modules/fullcalendar/index.global.min.js": "fullcalendar/index.global.min.js",
    "node_modules/@fullcalendar/core/locales/fr.global.min.js": "fullcalendar/locales/fr.global.min.js",
    "node_modules/chart.js/dist/chart.umd.min.js": "chart.js/chart.umd.min.js",
    "node_modules/axe-core/axe.min.js": "axe-core/axe.min.js",
}


def main():
    missing = []
    for source, target in FILES.items():
        src = ROOT / source
        if not src.exists():
            missing.append(source)
            continue
        dest = ROOT / "static" / "vendor" / target
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
    if missing:
        sys.exit("Missing front-end files (run npm ci): " + ", ".join(missing))


if __name__ == "__main__":
    main()
