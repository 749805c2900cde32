"""`medcode`: the command line. Lookups, search and data management on the code store."""

import argparse
import asyncio
import json
import logging
import sys
import time
from dataclasses import asdict
from typing import TextIO

from telegram import Bot, Update
from telegram.error import InvalidToken, NetworkError

from bot.app import api_urls, build_application
from bot.config import get_settings
from bot.console import run_console
from bot.logs import configure_logging
from codes_db import CodeCard, CodeStore, LookupMiss, SearchHit
from codes_db.importers.sources import SourceError
from codes_db.lookup import NOTE_LABELS

log = logging.getLogger("medcode")


def open_store() -> CodeStore:
    settings = get_settings()
    store = CodeStore(settings.database_url, embedded_default=settings.medcode_embedded_data)
    if store.embedded_default and not store.has_system("icd10cm"):
        print("First run: importing the embedded ICD-10-CM release (a few seconds)...", file=sys.stderr)
    return store


# -- rendering ------------------------------------------------------------------------------


def card_text(card: CodeCard) -> str:
    badge = "billable" if card.billable else f"not billable ({card.kind})"
    lines = [f"{card.code}  {card.title}", f"ICD-10-CM {card.version} · {badge}"]
    if card.path:
        lines.append("Path: " + " > ".join(f"{p.code} {p.title}" for p in card.path))
    if card.applied_seventh_character:
        seventh = card.applied_seventh_character
        lines.append(f"7th character {seventh.character}: {seventh.meaning}")
    for kind, label in NOTE_LABELS.items():
        notes = card.notes_of(kind)
        if notes:
            lines.append(f"{label}:")
            lines.extend(
                f"  - {n.text}" + (f"  [from {n.source_code}]" if n.inherited else "") for n in notes
            )
    if card.seventh_characters and not card.applied_seventh_character:
        lines.append(f"7th characters (defined at {card.seventh_character_source}):")
        if card.seventh_character_note:
            lines.append(f"  {card.seventh_character_note}")
        lines.extend(f"  {s.character}  {s.meaning}" for s in card.seventh_characters)
    if not card.billable and card.billable_children:
        shown = len(card.billable_children)
        lines.append(f"Billable codes under it ({card.billable_children_total}, first {shown}):")
        lines.extend(f"  {c.code}  {c.title}" for c in card.billable_children)
    elif card.children:
        lines.append("Codes under it:")
        lines.extend(f"  {c.code}  {c.title}" for c in card.children)
    return "\n".join(lines)


def miss_text(miss: LookupMiss) -> str:
    lines = [miss.message]
    if miss.suggestions:
        lines.append("Closest valid codes:")
        lines.extend(f"  {s.code}  {s.title}" for s in miss.suggestions)
    else:
        lines.append("Try a search instead: medcode search WORDS")
    return "\n".join(lines)


def hit_json(hit: SearchHit) -> dict:
    return {"code": hit.code, "system": hit.system, "title": hit.title, "score": hit.score}


def hits_text(hits: list[SearchHit]) -> str:
    if not hits:
        return "No matching codes. Try other words, or a code such as E11.65."
    return "\n".join(
        f"{h.code:<9} {'' if h.billable else '(not billable) '}{h.title}\n          matched: {h.matched}"
        for h in hits
    )


# -- commands -------------------------------------------------------------------------------


def cmd_code(args: argparse.Namespace, out: TextIO) -> int:
    result = open_store().lookup(args.code)
    if args.json:
        print(
            json.dumps({"found": isinstance(result, CodeCard), **asdict(result)}, ensure_ascii=False),
            file=out,
        )
    else:
        print(card_text(result) if isinstance(result, CodeCard) else miss_text(result), file=out)
    return 0 if isinstance(result, CodeCard) else 1


def cmd_search(args: argparse.Namespace, out: TextIO) -> int:
    store = open_store()
    if args.batch:
        return _search_batch(store, args, out)
    query = " ".join(args.words)
    hits = store.search(query, system=args.system, limit=args.limit)
    if args.json:
        print(json.dumps([hit_json(h) for h in hits], ensure_ascii=False), file=out)
    else:
        print(hits_text(hits), file=out)
    return 0


def _search_batch(store: CodeStore, args: argparse.Namespace, out: TextIO) -> int:
    """One JSON array per input line, in order; a failing line prints `[]`, never nothing."""
    source = sys.stdin if args.batch == "-" else open(args.batch, encoding="utf-8", errors="replace")  # noqa: SIM115
    with source:
        for line in source:
            try:
                hits = [hit_json(h) for h in store.search(line.rstrip("\n"), args.system, args.limit)]
            except Exception:
                log.exception("search failed for one batch line")
                hits = []
            out.write(json.dumps(hits, ensure_ascii=False) + "\n")
    out.flush()
    return 0


def cmd_data_import(args: argparse.Namespace, out: TextIO) -> int:
    store = open_store()
    started = time.perf_counter()
    try:
        result = store.import_file(args.system, args.source, version=args.version)
    except (SourceError, ValueError) as exc:
        print(f"Import failed, nothing was changed: {exc}", file=sys.stderr)
        return 2
    took = time.perf_counter() - started
    print(
        f"{result.system_id} {result.version}: {result.status}, {result.code_count} codes, "
        f"{result.note_count} notes ({took:.1f} s)",
        file=out,
    )
    return 0


def cmd_data_status(args: argparse.Namespace, out: TextIO) -> int:
    rows = open_store().status()
    if args.json:
        print(json.dumps([asdict(r) for r in rows], default=str), file=out)
        return 0
    if not rows:
        print("No code systems loaded.", file=out)
    for r in rows:
        mark = "*" if r.current else " "
        print(
            f"{mark} {r.system_name:<10} {r.version:<9} effective {r.effective_date}  "
            f"{r.code_count:>6} codes, {r.billable_count:>6} billable  ({r.source})",
            file=out,
        )
    return 0


def cmd_run(args: argparse.Namespace, out: TextIO) -> int:
    """Long polling against Telegram (or TELEGRAM_API_BASE_URL) with TELEGRAM_BOT_TOKEN."""
    settings = get_settings()
    if settings.telegram_bot_token is None or not settings.telegram_bot_token.get_secret_value().strip():
        print(
            "TELEGRAM_BOT_TOKEN is not set. Create a bot with @BotFather, then run\n"
            "  TELEGRAM_BOT_TOKEN=123456:ABC... medcode run\n"
            "To try the bot without a token: medcode console",
            file=sys.stderr,
        )
        return 2
    token = settings.telegram_bot_token.get_secret_value().strip()
    configure_logging(args.verbose, secrets=[token])
    where = settings.telegram_api_base_url or "Telegram"
    try:
        username = asyncio.run(_bot_username(token, settings.telegram_api_base_url))
    except InvalidToken:
        print(
            f"{where} rejected TELEGRAM_BOT_TOKEN (Unauthorized). Check the token with @BotFather.",
            file=sys.stderr,
        )
        return 3
    except NetworkError as exc:
        print(f"Cannot reach the Bot API at {where}: {exc}", file=sys.stderr)
        return 4
    print(f"Starting @{username} with long polling against {where}; Ctrl-C stops it.", file=out, flush=True)
    app = build_application(settings, token=token, api_root=settings.telegram_api_base_url)
    app.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0


async def _bot_username(token: str, api_root: str | None) -> str:
    """Ask the Bot API who we are: a wrong token or an unreachable server fails here, in plain words."""
    async with Bot(token, **(api_urls(api_root) if api_root else {})) as bot:
        return bot.username


def cmd_console(args: argparse.Namespace, out: TextIO) -> int:
    configure_logging(args.verbose)
    return asyncio.run(run_console(get_settings(), out=out))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="medcode", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    commands = parser.add_subparsers(dest="command", required=True)

    code = commands.add_parser("code", help="look up one code: medcode code E11.65")
    code.add_argument("code")
    code.add_argument("--json", action="store_true")
    code.set_defaults(run=cmd_code)

    search = commands.add_parser("search", help="search by words: medcode search htn")
    search.add_argument("words", nargs="*")
    search.add_argument("--system", default=None, help="only this code system (icd10cm)")
    search.add_argument("--limit", type=int, default=10)
    search.add_argument("--json", action="store_true")
    search.add_argument("--batch", metavar="FILE", help="one query per line ('-' for stdin)")
    search.set_defaults(run=cmd_search)

    run = commands.add_parser("run", help="run the Telegram bot (long polling, TELEGRAM_BOT_TOKEN)")
    run.set_defaults(run=cmd_run)
    console = commands.add_parser("console", help="chat with the bot in this terminal, no token needed")
    console.set_defaults(run=cmd_console)

    data = commands.add_parser("data", help="manage code releases")
    data_commands = data.add_subparsers(dest="data_command", required=True)
    data_import = data_commands.add_parser("import", help="import an official release file")
    data_import.add_argument("system", help="code system id (icd10cm, hcpcs)")
    data_import.add_argument(
        "source",
        help="path or http(s) URL: ICD-10-CM tabular XML (gzip is fine), CMS HCPCS zip",
    )
    data_import.add_argument("--version", help="release label (default: from the file)")
    data_import.set_defaults(run=cmd_data_import)
    status = data_commands.add_parser("status", help="systems, releases and counts")
    status.add_argument("--json", action="store_true")
    status.set_defaults(run=cmd_data_status)
    return parser


def main(argv: list[str] | None = None, out: TextIO | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, stream=sys.stderr)
    if getattr(args, "limit", 1) < 1:
        args.limit = 1
    return args.run(args, out or sys.stdout)


if __name__ == "__main__":
    sys.exit(main())
