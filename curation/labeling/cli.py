"""`corpusloop label init | push KIND --from FILE | pull | status`: the six task kinds in Label Studio.

The server comes from LABEL_STUDIO_URL / LABEL_STUDIO_API_KEY, else from `--server-config FILE`
(YAML: url, api_key). Project settings and the resolution rule: `--config` (default
configs/labeling.yaml). The token is never printed.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys

from curation.labeling.client import LabelingError, ServerSettings
from curation.labeling.configs import KINDS
from curation.labeling.tasks import TaskError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="corpusloop label", description=__doc__.splitlines()[0])
    p.add_argument("--server-config", help="YAML with url and api_key (the environment wins)")
    p.add_argument("--config", help="labeling config (default configs/labeling.yaml)")
    p.add_argument("--overlap", type=int, help="annotators per task (overrides the config)")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("init", help="create or update the projects of the six kinds")
    push = sub.add_parser("push", help="make tasks from SFT records, model outputs or labeling demand")
    push.add_argument("kind", choices=KINDS)
    push.add_argument("--from", dest="source", required=True, help="JSON / JSONL file of items")
    pull = sub.add_parser("pull", help="export new annotations and convert them")
    pull.add_argument("--out", default="out/labeling", help="folder of pull-NNNN/ batches and state.json")
    sub.add_parser("status", help="progress per project and agreement so far")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run one labeling command; returns the exit status."""
    args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    from curation.labeling.service import Labeling, LabelingConfig

    try:
        config = LabelingConfig.load(args.config)
        if args.overlap is not None:
            import dataclasses

            config = dataclasses.replace(config, overlap=args.overlap)
        lab = Labeling(ServerSettings.load(args.server_config), config)
        if args.command == "init":
            for kind, (pid, action) in lab.init().items():
                print(f"{kind}: project {pid} {action}")
        elif args.command == "push":
            res = lab.push(args.kind, args.source)
            for kind, n in res.imported.items():
                print(f"{kind}: {n} tasks imported, {res.already_there[kind]} already there")
            for why in res.skipped:
                print(f"skipped: {why}", file=sys.stderr)
        elif args.command == "pull":
            res = lab.pull(args.out)
            if res.batch_dir is None:
                print("nothing new")
            else:
                print(f"{res.batch_dir}: {json.dumps(res.converted.counts())} from {json.dumps(res.tasks)}")
        else:
            for kind, s in lab.status().items():
                a = s["agreement"]
                figure = "-" if a["value"] is None else f"{a['statistic']}={a['value']} on {a['items']} tasks"
                print(
                    f"{kind}: {s['complete']}/{s['tasks']} complete, {s['annotated']} annotated, "
                    f"{s['annotations']} annotations; agreement {figure}"
                )
    except (LabelingError, TaskError, OSError, ValueError) as exc:
        print(f"corpusloop label {args.command}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
