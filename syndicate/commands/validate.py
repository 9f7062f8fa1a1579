"""``syndicate validate``: check feed files, folders, URLs or stdin and report like a compiler.

Output on stdout is data (one finding per line, or JSON); the summary and
``Error:`` lines go to stderr. Exit codes:

    0  every input is valid (warnings allowed, unless --strict)
    1  at least one input has an error (or a warning with --strict)
    2  an input could not be read or fetched, or the command line is wrong

It never writes files and only touches the network for http(s) arguments.
Start-up matters here (a shell loop over files, an editor's on-save hook), so
this module imports only click at import time: the validator (lxml) comes in
when the command runs, the HTTP client only for a URL argument
(``syndicate.fetch`` pulls in requests).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from syndicate.validate import ValidationResult
    from syndicate.validate.profile import Profile

FEED_SUFFIXES = (".xml", ".rss", ".atom", ".json", ".feed")
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
EXIT_OK, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2


@dataclass(frozen=True, slots=True)
class Outcome:
    """One input: its name, and either a validation result or why it could not be read."""

    name: str
    result: ValidationResult | None = None
    error: str | None = None
    data: bytes | None = None  # what was validated (``--profile`` reads it again)


def _read_file(path: Path, max_bytes: int) -> bytes:
    # One byte over the cap is enough for validate_bytes to report INPUT-TOO-LARGE.
    with path.open("rb") as fh:
        return fh.read(max_bytes + 1)


def _expand(target: str) -> list[str]:
    """Turn a folder into the feed files under it, subfolders too (sorted); leave anything else.

    Recursive because a published feeds folder nests: ``sections/``, ``tags/``,
    ``authors/``. Hidden entries (a publish's temp files) are skipped.
    """
    if target != "-" and "://" not in target:
        p = Path(target)
        if p.is_dir():
            return sorted(
                str(c)
                for c in p.rglob("*")
                if c.is_file()
                and c.suffix.lower() in FEED_SUFFIXES
                and not any(part.startswith(".") for part in c.relative_to(p).parts)
            )
    return [target]


def _check_one(
    target: str, *, max_bytes: int, allow_private: bool, self_url: str | None
) -> Outcome:
    from syndicate.validate import validate_bytes

    if target.startswith(("http://", "https://")):
        from syndicate.fetch import FetchError, fetch_feed  # requests: only for URLs

        try:
            fetched = fetch_feed(target, allow_private=allow_private, max_bytes=max_bytes)
        except FetchError as e:
            return Outcome(target, error=str(e))
        result = validate_bytes(fetched.data, url=self_url or target, max_bytes=max_bytes)
        return Outcome(target, result, data=fetched.data)
    if target == "-":
        data = sys.stdin.buffer.read(max_bytes + 1)
        result = validate_bytes(data, url=self_url, max_bytes=max_bytes)
        return Outcome("<stdin>", result, data=data)
    try:
        data = _read_file(Path(target), max_bytes)
    except OSError as e:
        return Outcome(target, error=f"{target}: {e.strerror or e}")
    return Outcome(target, validate_bytes(data, url=self_url, max_bytes=max_bytes), data=data)


def _exit_code(outcomes: list[Outcome], strict: bool) -> int:
    code = EXIT_OK
    for o in outcomes:
        if o.error is not None:
            return EXIT_UNREADABLE
        assert o.result is not None
        if not o.result.ok or (strict and o.result.findings):
            code = EXIT_INVALID
    return code


def _print_text(outcomes: list[Outcome]) -> None:
    for o in outcomes:
        if o.result is None:
            continue
        for f in o.result.findings:
            where = o.name
            if f.line is not None:
                where += f":{f.line}"
                if f.column is not None:
                    where += f":{f.column}"
            click.echo(f"{where}: {f.severity} {f.rule} {f.message}")


def _print_json(outcomes: list[Outcome]) -> None:
    from syndicate.report import finding_json  # the build report's keys, shared

    docs: list[dict[str, object]] = []
    for o in outcomes:
        if o.result is None:
            docs.append({"path": o.name, "ok": False, "error": o.error})
            continue
        docs.append(
            {
                "path": o.name,
                "format": o.result.format,
                "ok": o.result.ok,
                "findings": [finding_json(f) for f in o.result.findings],
            }
        )
    click.echo(json.dumps(docs, indent=2, ensure_ascii=False))


@click.command("validate")
@click.argument("targets", nargs=-1, required=True, metavar="FILE|FOLDER|URL|-...")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: one 'path:line:col: severity RULE message' per finding; json: a list per input.",
)
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too.")
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_BYTES,
    show_default=True,
    help="Refuse documents larger than this.",
)
@click.option(
    "--allow-private",
    is_flag=True,
    help="Allow URLs on loopback, private and link-local addresses.",
)
@click.option(
    "--profile",
    "profile_name",
    metavar="NAME",
    default=None,
    help="Also check partner NAME's contract ([partners.NAME] in config.toml): licence, "
    "attribution, images, size budgets, sections and tags.",
)
@click.option(
    "--self-url",
    metavar="URL",
    default=None,
    help="The URL the feed is published at; a different rel=self link is an error. "
    "[default: the URL fetched, none for files]",
)
def validate_command(
    targets: tuple[str, ...],
    output_format: str,
    strict: bool,
    max_bytes: int,
    allow_private: bool,
    self_url: str | None,
    profile_name: str | None = None,
) -> None:
    """Validate RSS 2.0, Atom 1.0 and JSON Feed files, folders, URLs or stdin (-).

    A folder validates every *.xml *.rss *.atom *.json *.feed file in it.
    Exit 0 when valid, 1 when a feed has errors, 2 when an input cannot be read.

    Errors are what breaks a MUST of the spec or what readers cannot use;
    warnings are SHOULDs and interoperability hazards, each with why it
    matters (docs/validation.md lists every rule). --strict fails on warnings.

    \b
    Example:
        syndicate validate feeds/index.rss feeds/sections/world.rss
        syndicate validate feeds/ https://news.example.org/feeds/index.json
        syndicate validate --format json --strict - < feeds/tags/climate.atom
        syndicate validate --profile coastwire partners/coastwire/
    """
    ctx = click.get_current_context()
    profile = None
    if profile_name is not None:
        from syndicate.errors import SyndicateError

        try:
            profile = load_profile(ctx.obj, profile_name)
        except SyndicateError as e:  # config.toml or the profile: one line, exit 2
            click.echo(f"Error: {e}", err=True)
            ctx.exit(EXIT_UNREADABLE)
    names = [name for target in targets for name in _expand(target)]
    outcomes = [
        _check_one(name, max_bytes=max_bytes, allow_private=allow_private, self_url=self_url)
        for name in names
    ]
    if profile is not None:
        outcomes = [_with_profile(o, profile) for o in outcomes]
    if output_format == "json":
        _print_json(outcomes)
    else:
        _print_text(outcomes)
    for o in outcomes:
        if o.error is not None:
            click.echo(f"Error: {o.error}", err=True)
    if not outcomes:
        click.echo("Error: no feed files found", err=True)
        ctx.exit(EXIT_UNREADABLE)
    if output_format == "text":
        click.echo(summary_line(outcomes), err=True)
    ctx.exit(_exit_code(outcomes, strict))


def summary_line(outcomes: list[Outcome]) -> str:
    """Say how many feeds were validated, with their errors and warnings, and how many
    inputs could not be read (those are not feeds with no errors)."""
    results = [o.result for o in outcomes if o.result is not None]
    errors = sum(len(r.errors) for r in results)
    warnings = sum(len(r.warnings) for r in results)
    line = f"{len(results)} feed(s): {errors} error(s), {warnings} warning(s)"
    unreadable = len(outcomes) - len(results)
    if unreadable:
        line += f"; {unreadable} input(s) could not be read"
    return line


def load_profile(state: object, name: str) -> Profile:
    """Partner ``name``'s contract from config.toml, as the validator's ``Profile``."""
    from syndicate.errors import ConfigError
    from syndicate.partners import terms_of
    from syndicate.text import slugify_term
    from syndicate.validate.profile import Profile

    config = state.config  # type: ignore[attr-defined]  # cli.State; importing cli here cycles
    problem = config.partner_problems.get(name)
    if problem is not None:
        raise ConfigError(config.source, problem)
    if name not in config.partners:
        raise ConfigError(config.source, f"partners.{name}: no such partner profile")
    terms = terms_of(name, config.partners[name], config.site, config.licences)

    def maybe(values: tuple[str, ...] | None) -> frozenset[str] | None:
        return None if values is None else frozenset(values)

    return Profile(
        name=name,
        attribution=terms.attribution,
        licence=terms.licence_statement,
        licence_url=None if terms.licence_url is None else str(terms.licence_url),
        images=terms.images,
        max_feed_bytes=terms.max_feed_bytes,
        max_item_bytes=terms.max_item_bytes,
        sections=maybe(terms.sections),
        deny_sections=frozenset(terms.deny_sections),
        tags=maybe(terms.tags),
        deny_tags=frozenset(terms.deny_tags),
        section_slugs={display: slug for slug, display in config.sections.items()},
        slug=slugify_term,
    )


def _with_profile(outcome: Outcome, profile: Profile) -> Outcome:
    """``outcome`` with the profile's findings added (a document the format rules could read)."""
    from syndicate.validate import ValidationResult
    from syndicate.validate.profile import check_profile

    result, data = outcome.result, outcome.data
    if result is None or data is None or result.format not in ("rss", "atom", "json"):
        return outcome
    extra = check_profile(data, result.format, profile)
    findings = tuple(
        sorted(
            (*result.findings, *extra),
            key=lambda f: (f.line or 0, f.column or 0, f.rule, f.message),
        )
    )
    return Outcome(outcome.name, ValidationResult(result.format, findings), data=data)
