"""``flask export-package``: the definitional resources as a FHIR NPM package."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import click
from flask.cli import with_appcontext

from fhir_mappings.profiles.package import PACKAGE_NAME, PACKAGE_VERSION, package_files
from intake_ai.forms.definitions import definitional_resources


def write_package(out: Path) -> Path:
    """Write ``out/package/...`` and ``out/<name>-<version>.tgz``; returns the tarball."""
    files = package_files(definitional_resources())
    for relative, body in files.items():
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
    tarball = out / f"{PACKAGE_NAME}-{PACKAGE_VERSION}.tgz"
    partial = tarball.with_suffix(".tgz.partial")
    with tarfile.open(partial, "w:gz") as archive:
        for relative, body in sorted(files.items()):
            info = tarfile.TarInfo(relative)
            info.size = len(body)
            info.mode = 0o644
            archive.addfile(info, io.BytesIO(body))
    partial.replace(tarball)  # never a short tarball left behind
    return tarball


@click.command("export-package")
@with_appcontext
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write package/ and the .tgz into.",
)
def export_package_command(out: Path) -> None:
    """Write the conformance resources as a FHIR NPM package (like an IG's package.tgz)."""
    tarball = write_package(out)
    click.echo(f"wrote {out / 'package'} and {tarball}")


PACKAGE_COMMANDS = [export_package_command]
