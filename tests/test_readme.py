"""The README and docs/ keep working: every relative link (and its #anchor) resolves, every
command in a shell block names something that exists and parses (flags through the real
argparse parsers), the Python blocks compile, and the README's curl and ``say`` commands run
against a real server."""

from __future__ import annotations

import ast
import asyncio
import os
import re
import shlex
import subprocess
import sys
import tomllib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio

from tests.serverproc import ServerProcess
from wyoming_kokoro import cli, say

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
DOCS = [README, *sorted((REPO / "docs").glob("*.md"))]
sys.path.insert(0, str(REPO / "script"))

import release_images  # noqa: E402

_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
_LINK = re.compile(r"\]\(([^)\s]+)\)|<img src=\"([^\"]+)\"")
_HEADING = re.compile(r"^(#{1,6}) (.+)$", re.MULTILINE)
#: Flags the README names that belong to an example's own command line, not the server's.
_EXAMPLE_FLAGS = {"--openai-model": REPO / "examples" / "pipecat" / "bot.py"}


@dataclass(frozen=True)
class Block:
    """One fenced code block: its file, language and text."""

    path: Path
    language: str
    text: str


def _without_code(markdown: str) -> str:
    return _FENCE.sub("", markdown)


def blocks(path: Path) -> list[Block]:
    """The fenced code blocks of a Markdown file."""
    text = path.read_text(encoding="utf-8")
    return [Block(path, match.group(1), match.group(2)) for match in _FENCE.finditer(text)]


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every heading anchor of a Markdown file (repeats get GitHub's -1, -2 ...)."""
    seen: dict[str, int] = {}
    found: set[str] = set()
    for match in _HEADING.finditer(_without_code(path.read_text(encoding="utf-8"))):
        base = slug(match.group(2))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def relative_links(path: Path) -> Iterator[str]:
    """The links of a Markdown file that point into the repository."""
    for match in _LINK.finditer(_without_code(path.read_text(encoding="utf-8"))):
        target = match.group(1) or match.group(2)
        if not re.match(r"^[a-z]+:", target):
            yield target


@pytest.mark.parametrize("doc", DOCS, ids=lambda path: path.name)
def test_relative_links_resolve(doc: Path) -> None:
    broken = []
    for link in relative_links(doc):
        target, _, anchor = link.partition("#")
        resolved = (doc.parent / target).resolve() if target else doc
        if not resolved.exists():
            broken.append(f"{link}: no such file")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            broken.append(f"{link}: no heading #{anchor} in {resolved.name}")
    assert broken == []


def test_the_link_check_catches_a_broken_link(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text(
        "# Title\n\n[a](#title) [b](#nope) [c](missing.md) [d](https://x.org)\n", "utf-8"
    )
    assert list(relative_links(doc)) == ["#title", "#nope", "missing.md"]
    assert anchors(doc) == {"title"}


# --------------------------------------------------------------------------- shell blocks


def commands(block: Block) -> Iterator[list[str]]:
    """Each command of a shell block as words (continuations joined, comments dropped); a
    pipeline gives its first command only."""
    joined = block.text.replace("\\\n", " ")
    for line in joined.splitlines():
        words = shlex.split(line, comments=True)
        if words:
            yield words[: words.index("|")] if "|" in words else words


def _extras() -> set[str]:
    with (REPO / "pyproject.toml").open("rb") as file:
        return set(tomllib.load(file)["project"]["optional-dependencies"])


def check_command(words: list[str]) -> None:
    """Fail unless the command names things that exist and its flags parse."""
    program, args = words[0], words[1:]
    environment = re.fullmatch(r"[A-Z_][A-Z0-9_]*=\S*", program) is not None
    if (environment or program == "sudo") and args:
        check_command(args)
    elif program in ("wyoming-kokoro", "./script/run") and args[:1] == ["say"]:
        say.build_parser().parse_args(args[1:])
    elif program in ("wyoming-kokoro", "./script/run"):
        cli.build_parser().parse_args(args)
    elif program.startswith(("./script/", ".ci/")):
        path = REPO / program
        assert path.is_file() and os.access(path, os.X_OK), program
    elif program == "pip" and args[:1] == ["install"]:
        for requirement in args[1:]:
            extras = re.fullmatch(r"wyoming-kokoro\[([\w,]+)\]", requirement)
            assert extras, requirement
            assert set(extras.group(1).split(",")) <= _extras(), requirement
    elif program in (".venv/bin/python", "python", "bash") and args:
        script = REPO / args[0] if args[0] != "-m" else REPO / f"{args[1].replace('.', '/')}.py"
        assert script.is_file(), words
        if args[:2] == ["-m", "wyoming_kokoro"]:
            cli.build_parser().parse_args(args[2:])
    elif program == ".venv/bin/pytest":
        assert all((REPO / arg).exists() for arg in args if not arg.startswith("-")), words
    elif program == "docker" and args[:1] == ["run"]:
        deploy = release_images.deploy_outputs(REPO)
        assert args[-1] == f"{deploy['image']}:{deploy['tag']}", words
    elif program == "docker" and args[:1] == ["build"]:
        assert (REPO / args[args.index("-f") + 1]).is_file(), words
    elif program == "curl":
        assert any(arg.startswith("http://127.0.0.1:8880/") for arg in args), words
    else:
        raise AssertionError(f"a command the README check does not know: {shlex.join(words)}")


SHELL_BLOCKS = [block for doc in DOCS for block in blocks(doc) if block.language == "sh"]


@pytest.mark.parametrize(
    "block", SHELL_BLOCKS, ids=lambda block: f"{block.path.name}:{block.text.splitlines()[0][:30]}"
)
def test_shell_commands_exist_and_parse(block: Block) -> None:
    for words in commands(block):
        check_command(words)


def test_the_command_check_catches_a_bad_flag() -> None:
    with pytest.raises(SystemExit):
        check_command(["wyoming-kokoro", "--no-such-flag"])
    with pytest.raises(AssertionError):
        check_command(["./script/no-such-script"])
    with pytest.raises(AssertionError):
        check_command(["pip", "install", "wyoming-kokoro[no-such-extra]"])


def test_every_flag_the_readme_names_exists_and_every_flag_is_documented() -> None:
    text = README.read_text(encoding="utf-8")
    named = set(re.findall(r"`(--[a-z][a-z0-9-]*)", text))
    parsers = (cli.build_parser(), say.build_parser())
    known = {
        flag for parser in parsers for action in parser._actions for flag in action.option_strings
    }
    unknown = {flag for flag in named - known if flag not in _EXAMPLE_FLAGS}
    assert unknown == set()
    for flag, example in _EXAMPLE_FLAGS.items():
        assert flag in example.read_text(encoding="utf-8"), (flag, example)
    server_flags = {
        flag
        for action in cli.build_parser()._actions
        for flag in action.option_strings
        if flag.startswith("--") and flag != "--help"
    }
    assert server_flags - named == set(), "flags missing from the README's reference"


@pytest.mark.parametrize(
    "block",
    [block for doc in DOCS for block in blocks(doc) if block.language == "python"],
    ids=lambda block: f"{block.path.name}:{block.text.splitlines()[0][:30]}",
)
def test_python_blocks_compile(block: Block) -> None:
    # Top-level `await` and `async with` as in a notebook: compiled as a coroutine's body.
    ast.parse("async def _():\n" + "\n".join(f"    {line}" for line in block.text.splitlines()))


# --------------------------------------------------------------------------- run them


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def server() -> AsyncIterator[ServerProcess]:
    process = ServerProcess("readme")
    await process.start()
    try:
        await process.wait_ready(300)
        yield process
    finally:
        await process.stop()


def _fresh_dir(path: Path) -> Path:
    path.mkdir()
    return path


def _files(folder: Path) -> list[bytes]:
    return [path.read_bytes() for path in folder.iterdir()]


def _runnable(words: list[str]) -> bool:
    return words[0] == "curl" or words[:2] == ["wyoming-kokoro", "say"]


async def _run(words: list[str], port: int, cwd: Path) -> bytes:
    words = [word.replace("127.0.0.1:8880", f"127.0.0.1:{port}") for word in words]
    if words[0] == "wyoming-kokoro":
        words = [
            sys.executable,
            "-m",
            "wyoming_kokoro",
            *words[1:],
            "--url",
            f"ws://127.0.0.1:{port}",
        ]
    process = await asyncio.create_subprocess_exec(
        *words, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, (words, stderr.decode())
    return stdout


@pytest.mark.asyncio(loop_scope="session")
async def test_the_readme_commands_run_against_a_server(
    server: ServerProcess, tmp_path: Path
) -> None:
    """Every curl and ``say`` command of the README, on the test server's port."""
    assert server.live_port
    ran = 0
    for block in blocks(README):
        if block.language != "sh":
            continue
        for words in commands(block):
            if not _runnable(words):
                continue
            cwd = await asyncio.to_thread(_fresh_dir, tmp_path / str(ran))
            stdout = await _run(words, server.live_port, cwd)
            written = await asyncio.to_thread(_files, cwd)
            audio = written[0] if written else stdout
            output = words[words.index("-o") + 1] if "-o" in words else "stdout.pcm"
            if output.endswith(".mp3"):
                assert audio[:3] == b"ID3" or audio[0] == 0xFF, words
                assert len(audio) > 2_000, words  # a second of speech at a low bit rate
            elif output.endswith(".wav"):
                assert audio[:4] == b"RIFF", words
                assert len(audio) > 24_000, words  # at least half a second of speech
            else:
                assert len(audio) > 24_000, words
            ran += 1
    assert ran >= 4
