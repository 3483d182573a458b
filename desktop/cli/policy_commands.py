"""Commands about the rules: the policy, the decision, the audit trail, retention, refusals."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from audio.errors import GespreksError, VaultError
from desktop.cli.base import print_json
from desktop.cli.exits import Exit
from policy.display import local_time, visible
from policy.refusal import load_refusal
from policy.rules import evaluate
from policy.session import load_session

if TYPE_CHECKING:
    from desktop.cli.base import Cli


def show_policy(cli: Cli) -> int:
    """The policy in force; whose it is is judged against this vault's enrolment when the vault
    can be unlocked without asking (the passphrase in the environment or a file)."""
    checked = cli.workspace_if_given() is not None
    policy = cli.policy()
    if cli.args.json:
        print_json({**policy.summary(cli.lang), "checked_against_vault": checked})
        return Exit.OK
    cli.say("policy.organisation", organisation=policy.organisation, file=str(policy.path))
    cli.say("policy.hash", sha256=policy.sha256)
    cli.say("policy.provenance", text=policy.provenance.describe(cli.lang))
    if not checked and policy.provenance.kind != "default":
        cli.say("policy.not_checked")
    named = policy.named_authority
    if named is not None:
        cli.say("policy.organisation_ca", name=named.name, fingerprint=named.fingerprint_colons)
    if policy.publication_url:
        cli.say("policy.publication", url=policy.publication_url)
    if policy.timestamps is not None:
        minutes = policy.timestamps.max_delay_minutes
        cli.say("policy.timestamps", url=policy.timestamps.url, minutes=minutes)
    if policy.archive is not None:
        archive = policy.archive
        cli.say(
            "policy.archive",
            endpoint=archive.endpoint,
            bucket=archive.bucket,
            mode=archive.lock_mode,
            prefix=archive.prefix,
        )
    cli.say("policy.purposes")
    for purpose in policy.purposes:
        case = cli.t("policy.case_required") if purpose.case_number_required else ""
        print(f"  {purpose.id}: {purpose.label(cli.lang)}")
        cli.say(
            "policy.purpose_line",
            bases=", ".join(purpose.legal_bases),
            days=purpose.retention_days,
            case=case,
        )
    cli.say("policy.contacts")
    for line in policy.contact_lines().splitlines():
        print(f"  {line}")
    cli.say("policy.keys", recovery=len(policy.recovery_keys), trusted=len(policy.trusted_keys))
    ignored = policy.ignored
    if not ignored.empty:
        tsa = cli.t("policy.ignored_tsa") if ignored.timestamps is not None else ""
        if ignored.archive is not None:
            tsa += cli.t("policy.ignored_archive")
        recovery, trusted = len(ignored.recovery_keys), len(ignored.trusted_keys)
        cli.say("policy.ignored", recovery=recovery, trusted=trusted, tsa=tsa)
    return Exit.OK


def check(cli: Cli) -> int:
    session = load_session(Path(cli.args.session))
    policy = cli.policy()
    try:
        decision = cli.workspace().check(session)  # logged in the audit trail
    except VaultError as exc:
        if exc.key != "error.no_vault":
            raise
        decision = evaluate(session, policy)
        cli.warn("check.not_logged")
    if decision.allowed:
        cli.say("decision.allowed")
        print(policy.text("citizen_rights", cli.lang))  # told with the announcement
    else:
        cli.say("decision.refused")
        for reason in decision.reasons:  # a reason may quote a participant's name
            print(f"  - [{reason.rule_label(cli.lang)}] {visible(reason.text(cli.lang))}")
    cli.say(
        "decision.policy",
        organisation=policy.organisation,
        file=str(policy.path),
        sha256=policy.sha256[:16],
    )
    return Exit.OK if decision.allowed else Exit.REFUSED


def audit(cli: Cli) -> int:
    workspace = cli.workspace()
    if cli.args.reanchor:
        found = workspace.reanchor()
        cli.say("audit.reanchored", **found)
    entries, problem = workspace.audit_problem()
    if cli.args.json and not cli.args.verify:
        print_json([entry.document() for entry in entries])
    elif not cli.args.verify:
        for entry in entries:
            rid = visible((entry.recording_id or "")[:8])
            # Reasons and recipients were typed by people: shown escaped, one entry a line.
            details = visible(", ".join(f"{k}={v}" for k, v in entry.details.items()))
            employee = f" ({entry.employee})" if entry.employee else ""
            actor = visible(entry.actor + employee)  # the OS account, the certified name
            print(
                f"{entry.seq:>5}  {local_time(entry.time)}  {actor:<10} "
                f"{cli.t('audit.action.' + entry.action):<28} {rid:<8}  {details}"
            )
    if problem is not None:
        cli.say("audit.broken", line=problem.line, what=cli.t(f"audit.problem.{problem.what}"))
        return Exit.CHANGED
    if cli.args.verify:
        cli.say("audit.intact", count=len(entries))
        head = workspace.trail_time(entries)
        if head is not None and head[1].time is not None:
            cli.say("audit.timestamped", line=head[0], time=head[1].when, tsa=head[1].tsa)
        if workspace.archive_head is not None:
            cli.say("audit.archived_head", line=workspace.archive_head)
        elif workspace.archive_unchecked is not None:
            from policy.archiving import describe_error

            reason = describe_error(workspace.archive_unchecked, cli.lang)
            cli.say("audit.archive_unchecked", reason=reason)
    return Exit.OK


def hold(cli: Cli) -> int:
    recording_id = cli.workspace().hold(cli.args.id, cli.args.reason)
    cli.say("hold.done", id=recording_id)
    return Exit.OK


def release(cli: Cli) -> int:
    recording_id = cli.workspace().release(cli.args.id, cli.args.reason)
    cli.say("hold.released", id=recording_id)
    return Exit.OK


def purge(cli: Cli) -> int:
    workspace = cli.workspace()
    expired = workspace.expired()
    if not expired:
        cli.say("purge.none")
        return Exit.OK
    for info in expired:
        assert info.retention_until is not None
        cli.say("purge.item", id=info.recording_id, date=info.retention_until.date().isoformat())
    if cli.args.dry_run:
        cli.say("purge.dry_run", count=len(expired))
        return Exit.OK
    purged = workspace.purge(expired)
    cli.say("purge.done", count=len(purged))
    for rid, reason in workspace.purge_waiting.items():
        why = cli.t(f"archive.reason.{reason}")
        cli.say("purge.waits_for_archive", id=rid, reason=why)
    return Exit.OK


def refuse(cli: Cli) -> int:
    refusal = load_refusal(Path(cli.args.refusal))
    letter = Path(cli.args.out or f"weigering-{refusal.date}-{refusal.id[:8]}.pdf")
    if letter.exists():
        raise GespreksError("error.file_exists", path=str(letter))
    try:
        cli.workspace().register_refusal(refusal, letter)
    except OSError as exc:
        raise GespreksError("error.cannot_write", path=str(letter), reason=exc.strerror) from exc
    cli.say("refusal.registered", id=refusal.id, path=str(letter))
    return Exit.OK
