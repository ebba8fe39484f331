"""The semantic pass: BuildKit's dispatch, minus the building.

For every stage, in file order, this walks the instructions the way BuildKit's
`dockerfile2llb` dispatches them and records what a real build would compute:

* the global ARGs (before the first FROM), seen by FROM lines only, resolved from
  `--build-arg` values, their defaults and the automatic platform ARGs;
* each stage's base (`scratch`, an earlier stage, or an image reference) and platform;
* for each instruction, the expansion environment (ENV and ARG values in the order
  they were set), the build args in scope, the working directory, and the instruction's
  operands expanded exactly where the builder expands them (not RUN, CMD, ENTRYPOINT,
  SHELL, HEALTHCHECK, MAINTAINER or COPY --from);
* the edges between stages (FROM <stage>, COPY --from, RUN --mount from=), the target
  and the stages it needs;
* the problems a build would hit or BuildKit's linter would flag, as data.

Some values a lint cannot know. An ARG without a value gets one from `--build-arg` (or
expands to ""), and so does every ARG or ENV computed from it; a stage built on an
external image cannot know that image's ENV (no registry is contacted), so a name it
does not set may come from the image rather than be undefined. The pass tracks which
names are unknown (`Step.unknown`) and raises no problem computed from them: what
BuildKit would say about `STOPSIGNAL $SIGNAL` depends on the `--build-arg` it gets.
"""

from __future__ import annotations

import ipaddress
import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from types import MappingProxyType
from urllib.parse import urlsplit

from dfkit.semantics import model as m
from dfkit.semantics.expand import Expansion, ExpansionError, process
from dfkit.semantics.platforms import Platform, PlatformError, default_architecture, parse_platform
from dfkit.semantics.reference import ReferenceError, parse_reference
from dfkit.source import Span
from dfkit.syntax import ast
from dfkit.syntax.checks import suggestion
from dfkit.syntax.heredocs import _MARKER as HEREDOC_MARKER
from dfkit.syntax.mounts import Mount, MountError, parse_mount
from dfkit.syntax.text import go_lower
from dfkit.syntax.values import GoValueError, parse_go_uint

PROXY_ARGS = frozenset(
    name for base in ("HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "NO_PROXY", "ALL_PROXY") for name in (base, base.lower())
)
AUTOMATIC_ARGS = (
    "BUILDPLATFORM", "BUILDOS", "BUILDOSVERSION", "BUILDARCH", "BUILDVARIANT",
    "TARGETPLATFORM", "TARGETOS", "TARGETOSVERSION", "TARGETARCH", "TARGETVARIANT", "TARGETSTAGE",
)
# Build args BuildKit itself consumes without an ARG (reference.md, "built-in build args").
BUILTIN_ARGS = frozenset(
    {
        "BUILDKIT_CACHE_MOUNT_NS", "BUILDKIT_CONTEXT_KEEP_GIT_DIR", "BUILDKIT_INLINE_CACHE",
        "BUILDKIT_MULTI_PLATFORM", "BUILDKIT_SANDBOX_HOSTNAME", "BUILDKIT_SYNTAX", "BUILDKIT_DOCKERFILE_CHECK",
        "BUILDKIT_SBOM_SCAN_CONTEXT", "BUILDKIT_SBOM_SCAN_STAGE", "SOURCE_DATE_EPOCH",
    }
)
NON_ENV_ARGS = frozenset({"BUILDKIT_SBOM_SCAN_CONTEXT", "BUILDKIT_SBOM_SCAN_STAGE"})
_INT = re.compile(r"[+-]?[0-9]+\Z")
_SCP_LIKE = re.compile(r"[A-Za-z0-9_-]+@[A-Za-z0-9.-]+:")  # gitutil's user@host:path
# Symbolic modes (`u=rwx,go=rx`, `+x`), accepted by the Dockerfile frontend since 1.14.
_SYMBOLIC_MODE = re.compile(r"[ugoa]*[-+=][rwxXst]*(?:[-+=][rwxXst]*)*(?:,[ugoa]*[-+=][rwxXst]*(?:[-+=][rwxXst]*)*)*")
_SIGNALS = frozenset(
    "ABRT ALRM BUS CHLD CLD CONT FPE HUP ILL INT IO IOT KILL PIPE POLL PROF PWR QUIT SEGV STKFLT STOP SYS TERM "
    "TRAP TSTP TTIN TTOU URG USR1 USR2 VTALRM WINCH XCPU XFSZ".split()
) | {f"RTMIN+{i}" for i in range(1, 16)} | {f"RTMAX-{i}" for i in range(1, 15)} | {"RTMIN", "RTMAX"}


def analyze(
    dockerfile: ast.Dockerfile,
    *,
    build_args: Mapping[str, str] | None = None,
    target: str | None = None,
    platform: str | None = None,
    build_platform: str | None = None,
) -> m.Semantics:
    """Compute what a build of `dockerfile` would see (BuildKit's rules)."""
    return _Analyzer(dockerfile, dict(build_args or {}), target, platform, build_platform).run()


def resolve_workdir(current: str, path: str) -> str:
    """BuildKit's `NormalizeWorkdir` on Linux: a relative path joins the current one."""
    if not path.startswith("/"):
        path = posixpath.join("/", current, path)
    return _go_clean(path)


def _go_clean(path: str) -> str:
    """Go's `path.Clean`."""
    if not path:
        return "."
    cleaned = posixpath.normpath(path)
    if cleaned.startswith("//"):
        cleaned = "/" + cleaned.lstrip("/")
    return cleaned


def resolve_dest(workdir: str, dest: str) -> str:
    """Where COPY/ADD put things: relative to the working directory, trailing slash kept."""
    if dest.startswith("/"):
        base = _go_clean(dest)
    else:
        base = _go_clean(posixpath.join("/", workdir or "/", dest if dest not in ("", ".") else "."))
    if (dest.endswith("/") or dest in ("", ".")) and not base.endswith("/"):
        base += "/"
    return base


class _Analyzer:
    def __init__(
        self,
        dockerfile: ast.Dockerfile,
        build_args: dict[str, str],
        target: str | None,
        platform: str | None,
        build_platform: str | None,
    ) -> None:
        self.df = dockerfile
        self.escape = dockerfile.escape
        self.build_args = build_args
        self.target_name = target
        self.issues: list[m.Issue] = []
        self.used_names: set[str] = set()  # every variable name some expansion looked up
        here = default_architecture()
        self.platform = self._platform(platform, here)
        self.build_platform = self._platform(build_platform, here)

    def _platform(self, text: str | None, default: Platform) -> Platform:
        if not text:
            return default
        try:
            return parse_platform(text)
        except PlatformError as error:
            self.issues.append(m.Issue("invalid-platform", str(error), None, "error"))
            return default

    # -- top level -------------------------------------------------------------------

    def run(self) -> m.Semantics:
        meta_args, groups = self._groups()
        stages_named = [self._stage_name(node) for node, _ in groups]
        default_target = stages_named[-1] if stages_named else None
        target_stage_name = self.target_name or default_target or "default"
        automatic = self._automatic_args(target_stage_name)
        self._check_default_args_in_from(meta_args, groups, automatic)
        global_args, global_env = self._meta_args(meta_args, automatic)
        last_bindings = {binding.name: binding for binding in global_args}
        global_unknown = frozenset(name for name, binding in last_bindings.items() if not binding.known)
        stages = self._stages(groups, stages_named, global_env, global_unknown, meta_args)
        target = self._target(stages)
        needed = self._needed(stages, target)
        self._check_stage_order(stages)
        stages = self._dispatch(stages, global_args, global_env)
        self._unused_args(meta_args, global_args, stages)
        self._unused_build_args(meta_args, stages)
        if not groups:
            self.issues.append(m.Issue("no-stages", "dockerfile contains no stages to build", None, "error"))
        return m.Semantics(
            dockerfile=self.df,
            global_args=tuple(global_args),
            global_env=MappingProxyType(global_env),
            global_unknown=global_unknown,
            stages=tuple(stages),
            target=target,
            needed=frozenset(needed),
            issues=tuple(self.issues),
            build_args=MappingProxyType(dict(self.build_args)),
            platform=str(self.platform),
            build_platform=str(self.build_platform),
        )

    def _groups(self) -> tuple[list[ast.Arg], list[tuple[ast.From, list[ast.Instruction]]]]:
        meta: list[ast.Arg] = []
        groups: list[tuple[ast.From, list[ast.Instruction]]] = []
        for node in self.df.instructions:
            if isinstance(node, ast.From):
                groups.append((node, []))
            elif isinstance(node, (ast.Unparsable, ast.Unknown)):
                continue
            elif groups:
                groups[-1][1].append(node)
            elif isinstance(node, ast.Arg):
                meta.append(node)
        return meta, groups

    @staticmethod
    def _stage_name(node: ast.From) -> str | None:
        alias = node.alias
        return alias.value.lower() if alias is not None else None

    def _automatic_args(self, target_stage: str) -> dict[str, str]:
        bp, tp = self.build_platform, self.platform
        values = {
            "BUILDPLATFORM": str(bp),
            "BUILDOS": bp.os,
            "BUILDOSVERSION": "",
            "BUILDARCH": bp.architecture,
            "BUILDVARIANT": bp.variant,
            "TARGETPLATFORM": str(tp),
            "TARGETOS": tp.os,
            "TARGETOSVERSION": "",
            "TARGETARCH": tp.architecture,
            "TARGETVARIANT": tp.variant,
            "TARGETSTAGE": target_stage,
        }
        for name in values:
            if name in self.build_args:
                values[name] = self.build_args[name]
        return values

    # -- global ARGs and FROM ------------------------------------------------------------

    def _meta_args(
        self, meta_args: Sequence[ast.Arg], automatic: dict[str, str], *, with_build_args: bool = True
    ) -> tuple[list[m.ArgBinding], dict[str, str]]:
        env = dict(automatic)
        unknown: set[str] = set()
        bindings: list[m.ArgBinding] = []
        for node in meta_args:
            for decl in node.declarations:
                name = decl.name
                if with_build_args and name in self.build_args:
                    binding = m.ArgBinding(name, self.build_args[name], "build-arg", node, decl.word)
                elif decl.default is not None:
                    value, known = self._expand_default(decl, env, unknown)
                    binding = m.ArgBinding(name, value, "default", node, decl.word, known)
                else:
                    binding = m.ArgBinding(name, None, "unset", node, decl.word, known=False)
                if binding.value is not None:
                    env[name] = binding.value
                _mark(unknown, name, binding.known)
                bindings.append(binding)
        return bindings, env

    def _check_default_args_in_from(
        self, meta_args: Sequence[ast.Arg], groups: Sequence[tuple[ast.From, list]], automatic: dict[str, str]
    ) -> None:
        """BuildKit's InvalidDefaultArgInFrom: the base names with default ARG values only."""
        saved = len(self.issues)
        _, env = self._meta_args(meta_args, automatic, with_build_args=False)
        if len(self.issues) > saved:  # a default fails to expand: BuildKit gives up on this check
            del self.issues[saved:]
            return
        for node, _ in groups:
            image = node.image
            if image is None or "$" not in image.value:
                continue
            try:
                result = process(image.value, env, escape=self.escape)
            except ExpansionError:
                continue
            try:
                parse_reference(result.value)
            except ReferenceError:
                self.issues.append(
                    m.Issue(
                        "invalid-default-arg-in-from",
                        f"Default value for ARG {image.value} results in empty or invalid base image name",
                        image.span,
                        name=image.value,
                    )
                )

    def _stages(
        self,
        groups: Sequence[tuple[ast.From, list[ast.Instruction]]],
        names: Sequence[str | None],
        global_env: dict[str, str],
        global_unknown: frozenset[str],
        meta_args: Sequence[ast.Arg],
    ) -> list[m.StageInfo]:
        declared = set(global_env) | {d.name for node in meta_args for d in node.declarations}
        stages: list[m.StageInfo] = []
        by_name: dict[str, int] = {}
        for index, ((node, instructions), name) in enumerate(zip(groups, names)):
            image_word = node.image
            base_text, known = "", True
            if image_word is not None:
                base_text, known = self._expand_from(image_word, global_env, global_unknown, declared, index)
            platform_text = None
            platform_flag = node.flag("platform")
            if platform_flag is not None and platform_flag.value is not None:
                platform_text = self._expand_platform(platform_flag, global_env, global_unknown, declared, index)
            if image_word is not None and base_text == "" and known:
                self.issues.append(
                    m.Issue(
                        "blank-base-name",
                        f"base name ({image_word.value}) should not be blank",
                        image_word.span,
                        "error",
                        stage=index,
                    )
                )
            if base_text in by_name:
                base = m.Base("stage", base_text, stage=by_name[base_text])
            elif base_text == "scratch":
                base = m.Base("scratch", base_text)
            else:
                ref = None
                if base_text:
                    try:
                        ref = parse_reference(base_text)
                    except ReferenceError as error:
                        if known:
                            self.issues.append(
                                m.Issue(
                                    "invalid-base-reference",
                                    f'failed to parse stage name "{base_text}": {error}',
                                    image_word.span if image_word else node.keyword.span,
                                    "error",
                                    stage=index,
                                )
                            )
                base = m.Base("image", base_text, image=ref)
            stages.append(
                m.StageInfo(
                    index=index,
                    name=name,
                    node=node,
                    base=base,
                    platform=platform_text,
                    instructions=tuple(instructions),
                    env_known=base.kind != "image",
                )
            )
            if name is not None:
                by_name[name] = index
        return self._with_edges(stages)

    def _expand_from(
        self, word: ast.Word, env: dict[str, str], unknown: frozenset[str], declared: set[str], stage: int
    ) -> tuple[str, bool]:
        """The word's value for FROM, and whether a lint can know it."""
        try:
            result = process(word.value, env, escape=self.escape)
        except ExpansionError as error:
            self.issues.append(m.Issue("expansion-error", error.message, word.span, "error", stage=stage))
            return word.value, False
        self.used_names |= result.names
        for name in sorted(result.unmatched - declared):
            hint = suggestion(name, sorted(declared), case_sensitive=True)
            self.issues.append(
                m.Issue(
                    "undefined-arg-in-from",
                    f"FROM argument '{name}' is not declared",
                    word.span,
                    name=name,
                    suggestion=hint,
                    stage=stage,
                )
            )
        return result.value, m.knowable(result, unknown)

    def _expand_platform(
        self, flag: ast.Flag, env: dict[str, str], unknown: frozenset[str], declared: set[str], stage: int
    ) -> str | None:
        value = flag.value or ""
        word = ast.Word(value=value, span=flag.span)
        text, known = self._expand_from(word, env, unknown, declared, stage)
        if not known:
            return text or None
        if text == "":
            self.issues.append(
                m.Issue("blank-platform", f"empty platform value from expression {value}", flag.span, "error", stage=stage)
            )
            return None
        try:
            parse_platform(text)
        except PlatformError as error:
            self.issues.append(
                m.Issue("invalid-platform", f"failed to parse platform {value}: {error}", flag.span, "error", stage=stage)
            )
        return text

    # -- the stage graph -----------------------------------------------------------------

    def _stage_ref(self, text: str, stages: Sequence[m.StageInfo], span: Span, stage: int) -> int | None:
        """A --from value: a stage index, a stage name, or None (an image or a context)."""
        if _INT.match(text):
            index = int(text)
            if 0 <= index < len(stages):
                return index
            self.issues.append(m.Issue("invalid-stage-index", f"invalid stage index {index}", span, "error", stage=stage))
            return None
        wanted = text.lower()
        # Of stages sharing a name, BuildKit's name table keeps the last one.
        for candidate in reversed(stages):
            if candidate.name == wanted:
                return candidate.index
        return None

    def _with_edges(self, stages: list[m.StageInfo]) -> list[m.StageInfo]:
        out = []
        for stage in stages:
            edges: list[m.Edge] = []
            if stage.base.kind == "stage":
                edges.append(m.Edge("from", stage.node, stage.base.stage, stage.base.text))
            for node in self._all_instructions(stage, stages):
                edges.extend(self._node_edges(node, stages, stage.index))
            out.append(replace(stage, edges=tuple(edges)))
        return out

    def _all_instructions(self, stage: m.StageInfo, stages: Sequence[m.StageInfo]) -> list[ast.Instruction]:
        return [*self._triggers(stage, stages), *stage.instructions]

    @staticmethod
    def _triggers(stage: m.StageInfo, stages: Sequence[m.StageInfo]) -> list[ast.Instruction]:
        """ONBUILD triggers of a base *stage*: they run first in the stage built from it."""
        if stage.base.kind != "stage" or stage.base.stage is None:
            return []
        parent = stages[stage.base.stage]
        return [n.trigger for n in parent.instructions if isinstance(n, ast.OnBuild) and n.trigger is not None]

    def _node_edges(self, node: ast.Instruction, stages: Sequence[m.StageInfo], index: int) -> list[m.Edge]:
        edges = []
        if isinstance(node, ast.Copy):
            source = node.flag("from")
            if source is not None and source.value:
                target = self._stage_ref(source.value, stages, source.span, index)
                edges.append(m.Edge("copy", node, target, source.value))
        elif isinstance(node, ast.Run):
            for flag in node.flags_named("mount"):
                try:
                    mount = parse_mount(flag.value or "")
                except MountError:
                    continue
                if mount.from_:
                    target = self._stage_ref(mount.from_, stages, flag.span, index)
                    edges.append(m.Edge("mount", node, target, mount.from_))
        return edges

    def _target(self, stages: Sequence[m.StageInfo]) -> int | None:
        if not stages:
            return None
        if self.target_name is None:
            return stages[-1].index
        wanted = self.target_name.lower()
        for stage in reversed(stages):  # the last of stages sharing a name, as in BuildKit
            if stage.name == wanted:
                return stage.index
        names = [s.name for s in stages if s.name]
        hint = suggestion(self.target_name, names, case_sensitive=False)
        message = f'target stage "{self.target_name}" could not be found'
        if hint:
            message += f" (did you mean {hint}?)"
        self.issues.append(m.Issue("unknown-target", message, None, "error", name=self.target_name, suggestion=hint))
        return None

    @staticmethod
    def _needed(stages: Sequence[m.StageInfo], target: int | None) -> set[int]:
        needed: set[int] = set()
        pending = [target] if target is not None else []
        while pending:
            index = pending.pop()
            if index in needed:
                continue
            needed.add(index)
            pending.extend(e.stage for e in stages[index].edges if e.stage is not None)
        return needed

    def _check_stage_order(self, stages: Sequence[m.StageInfo]) -> None:
        # Cycles first (BuildKit validates them before dispatching anything).
        state: dict[int, int] = {}

        def visit(index: int) -> bool:
            state[index] = 1
            for edge in stages[index].edges:
                if edge.stage is None or edge.kind == "from":
                    continue
                mark = state.get(edge.stage, 0)
                if mark == 1 or (mark == 0 and visit(edge.stage)):
                    if mark == 1:
                        self.issues.append(
                            m.Issue(
                                "circular-dependency",
                                f"circular dependency detected on stage: {stages[edge.stage].display_name}",
                                edge.node.span,
                                "error",
                                stage=index,
                            )
                        )
                    return True
            state[index] = 2
            return False

        for stage in stages:
            if state.get(stage.index, 0) == 0 and visit(stage.index):
                return
        for stage in stages:
            for edge in stage.edges:
                if edge.kind == "copy" and edge.stage is not None and edge.stage >= stage.index:
                    self.issues.append(
                        m.Issue(
                            "copy-from-later-stage",
                            f'cannot copy from stage "{edge.name}", it needs to be defined before current stage "{stage.display_name}"',
                            edge.node.span,
                            "error",
                            stage=stage.index,
                        )
                    )

    # -- dispatch ------------------------------------------------------------------------

    def _dispatch(
        self, stages: list[m.StageInfo], global_args: Sequence[m.ArgBinding], global_env: Mapping[str, str]
    ) -> list[m.StageInfo]:
        globals_by_name = {b.name: b for b in global_args if b.value is not None}
        for name in AUTOMATIC_ARGS:
            globals_by_name.setdefault(name, m.ArgBinding(name, global_env[name], "global"))
        done: list[m.StageInfo] = []
        for stage in stages:
            runner = _StageRunner(self, stage, done, globals_by_name)
            done.append(runner.run(self._triggers(stage, done)))
        return done

    # -- unused ---------------------------------------------------------------------------

    def _unused_args(
        self, meta_args: Sequence[ast.Arg], global_args: Sequence[m.ArgBinding], stages: Sequence[m.StageInfo]
    ) -> None:
        redeclared = {b.name for s in stages for st in s.steps if isinstance(st.expanded, m.ArgX) for b in st.expanded.bindings}
        for binding in global_args:
            if binding.name in self.used_names or binding.name in redeclared:
                continue
            if binding.word is None:
                continue
            self.issues.append(
                m.Issue(
                    "unused-arg",
                    f"Global ARG {binding.name} is never used: FROM lines do not read it and no stage redeclares it",
                    binding.word.span,
                    name=binding.name,
                )
            )

    def _unused_build_args(self, meta_args: Sequence[ast.Arg], stages: Sequence[m.StageInfo]) -> None:
        declared = {d.name for node in meta_args for d in node.declarations}
        for stage in stages:
            for step in stage.steps:
                if isinstance(step.expanded, m.ArgX):
                    declared |= {b.name for b in step.expanded.bindings}
        for name in sorted(self.build_args):
            if name in declared or name in PROXY_ARGS or name in BUILTIN_ARGS or name in AUTOMATIC_ARGS:
                continue
            self.issues.append(
                m.Issue(
                    "unused-build-arg",
                    f"build-arg {name} is not consumed: no ARG declares it",
                    None,
                    name=name,
                    suggestion=suggestion(name, sorted(declared), case_sensitive=True),
                )
            )

    # -- helpers ----------------------------------------------------------------------------

    def _expand_default(
        self, decl: ast.ArgDecl, env: Mapping[str, str], unknown: set[str]
    ) -> tuple[str | None, bool]:
        """A global ARG's default and whether a lint can know it (None: it fails to expand)."""
        assert decl.default is not None
        try:
            result = process(decl.default, env, escape=self.escape)
        except ExpansionError as error:
            self.issues.append(m.Issue("expansion-error", error.message, decl.word.span, "error"))
            return None, False
        self.used_names |= result.names
        return result.value, m.knowable(result, unknown)


class _StageRunner:
    """Dispatches one stage's instructions (BuildKit's `dispatch`), recording each step."""

    def __init__(
        self,
        analyzer: _Analyzer,
        stage: m.StageInfo,
        done: Sequence[m.StageInfo],
        global_args: Mapping[str, m.ArgBinding],
    ) -> None:
        self.a = analyzer
        self.stage = stage
        self.done = done
        self.global_args = global_args  # the global ARGs with a value, by name
        self.escape = analyzer.escape
        base = stage.base
        if base.kind == "stage" and base.stage is not None and base.stage < len(done):
            parent = done[base.stage]
            self.env: dict[str, str] = dict(parent.final_env)
            self.image_env: list[tuple[str, str]] = list(parent.image_env)
            self.workdir = parent.workdir
            self.user = parent.user
            self.shell = parent.shell
            self.args: list[m.ArgBinding] = list(parent.args)
            self.unknown: set[str] = set(parent.unknown)
            self.env_known = parent.env_known
        else:
            self.env = {}
            self.image_env = []
            self.workdir = ""
            self.user = ""
            self.shell = None
            self.args = []
            self.unknown = set()
            self.env_known = base.kind != "image"
            if self.env_known:
                # BuildKit makes sure PATH is always set.
                self.image_env.append(("PATH", m.DEFAULT_PATH))
                self.env["PATH"] = m.DEFAULT_PATH
        self.steps: list[m.Step] = []
        self._env_view: Mapping[str, str] = MappingProxyType(dict(self.env))
        self._names: set[str] = set()  # the variables the current step looked up

    def run(self, triggers: Sequence[ast.Instruction]) -> m.StageInfo:
        parent = self.stage.base.stage if self.stage.base.kind == "stage" else None
        for node in triggers:
            self.step(node, onbuild_from=parent)
        for node in self.stage.instructions:
            self.step(node)
        return replace(
            self.stage,
            steps=tuple(self.steps),
            env_known=self.env_known,
            final_env=MappingProxyType(dict(self.env)),
            image_env=tuple(self.image_env),
            workdir=self.workdir,
            user=self.user,
            shell=self.shell,
            args=tuple(self.args),
            unknown=frozenset(self.unknown),
        )

    # -- one instruction ---------------------------------------------------------------

    def step(self, node: ast.Instruction, onbuild_from: int | None = None) -> None:
        env_view = self._env_view
        args_before = tuple(self.args)
        unknown_before = frozenset(self.unknown)
        workdir_before = self.workdir
        self._names = set()
        handler = getattr(self, f"_do_{node.kind}", None)
        expanded = handler(node) if handler is not None else None
        self.steps.append(
            m.Step(
                node=node,
                env=env_view,
                args=args_before,
                workdir=workdir_before,
                expanded=expanded,
                onbuild_from=onbuild_from,
                names=frozenset(self._names),
                unknown=unknown_before,
                env_known=self.env_known,
            )
        )

    def _changed_env(self) -> None:
        self._env_view = MappingProxyType(dict(self.env))

    def expansion(
        self, word: ast.Word, text: str | None = None, *, heredoc_body: bool = False, report: bool = True
    ) -> Expansion | None:
        """`text` (by default the word's) expanded in the current environment; None, and an
        expansion-error, when BuildKit cannot expand it. `report`: flag undefined names."""
        text = word.value if text is None else text
        try:
            result = process(text, self._env_view, escape=self.escape, heredoc_body=heredoc_body)
        except ExpansionError as error:
            self.a.issues.append(m.Issue("expansion-error", error.message, word.span, "error", stage=self.stage.index))
            return None
        self._names |= result.names
        self.a.used_names |= result.names
        if result.unmatched and report:
            self._report_unmatched(word, result.unmatched)
        return result

    def evaluate(self, word: ast.Word, text: str | None = None, *, heredoc_body: bool = False) -> tuple[str, bool]:
        """The expanded value (as written if BuildKit cannot expand it) and whether a lint can know it."""
        result = self.expansion(word, text, heredoc_body=heredoc_body)
        if result is None:
            return word.value if text is None else text, False
        return result.value, self.knows(result)

    def expand(self, word: ast.Word, text: str | None = None, *, heredoc_body: bool = False) -> str:
        return self.evaluate(word, text, heredoc_body=heredoc_body)[0]

    def knows(self, result: Expansion) -> bool:
        return m.knowable(result, self.unknown, self.env_known)

    def _report_unmatched(self, word: ast.Word, names: frozenset[str]) -> None:
        if not self.env_known:
            return  # the base image may define them
        declared = {b.name for b in self.args}
        for name in sorted(names - declared - NON_ENV_ARGS):
            hint = suggestion(name, sorted(self.env), case_sensitive=True)
            self.a.issues.append(
                m.Issue(
                    "undefined-var",
                    f"Usage of undefined variable '${name}'" + (f" (did you mean ${hint}?)" if hint else ""),
                    word.span,
                    name=name,
                    suggestion=hint,
                    stage=self.stage.index,
                )
            )

    # -- per instruction ------------------------------------------------------------------

    def _do_env(self, node: ast.Env) -> m.PairsX:
        # Every pair sees the environment before the instruction, as in BuildKit.
        evaluated = [(self.expand(p.key), *self.evaluate(p.value)) for p in node.pairs]
        for key, value, known in evaluated:
            _mark(self.unknown, key, known)
            self.env[key] = value
            for i, (existing, _) in enumerate(self.image_env):
                if existing == key:
                    self.image_env[i] = (key, value)
                    break
            else:
                self.image_env.append((key, value))
        self._changed_env()
        return m.PairsX(tuple((key, value) for key, value, _ in evaluated))

    def _do_label(self, node: ast.Label) -> m.PairsX:
        return m.PairsX(tuple((self.expand(p.key), self.expand(p.value)) for p in node.pairs))

    def _do_arg(self, node: ast.Arg) -> m.ArgX:
        bindings = []
        for decl in node.declarations:
            name = decl.name
            binding = self._binding(node, decl)
            if binding is None:  # no value of its own: `ARG A=1` then `ARG A` keeps A's value
                earlier = next((b for b in self.args if b.name == name), None)
                if earlier is not None:
                    binding = replace(earlier, node=node, word=decl.word)
                else:
                    binding = m.ArgBinding(name, None, "unset", node, decl.word, known=False)
                    self.unknown.add(name)
            else:
                if binding.value is not None and name not in NON_ENV_ARGS:
                    self.env[name] = binding.value
                    self._changed_env()  # the next declaration sees it, as in BuildKit
                _mark(self.unknown, name, binding.known)
            self.args = [b for b in self.args if b.name != name] + [binding]
            bindings.append(binding)
        return m.ArgX(tuple(bindings))

    def _binding(self, node: ast.Arg, decl: ast.ArgDecl) -> m.ArgBinding | None:
        """What the declaration binds, or None when it gives no value of its own."""
        name = decl.name
        if name in self.a.build_args:
            return m.ArgBinding(name, self.a.build_args[name], "build-arg", node, decl.word)
        if decl.default is not None:
            value, known = self.evaluate(decl.word, decl.default)
            return m.ArgBinding(name, value, "default", node, decl.word, known)
        outer = self.global_args.get(name)
        if outer is not None:
            return m.ArgBinding(name, outer.value, "global", node, decl.word, outer.known)
        return None

    def _do_workdir(self, node: ast.Workdir) -> m.WorkdirX | None:
        if node.value is None:
            return None
        path = self.expand(node.value)
        resolved = resolve_workdir(self.workdir, path)
        self.workdir = resolved
        return m.WorkdirX(path, resolved)

    def _do_user(self, node: ast.User) -> m.ValueX | None:
        if node.value is None:
            return None
        self.user = self.expand(node.value)
        return m.ValueX(self.user)

    def _do_stopsignal(self, node: ast.Stopsignal) -> m.ValueX | None:
        if node.value is None:
            return None
        signal, known = self.evaluate(node.value)
        if known and not _valid_signal(signal):
            self.a.issues.append(
                m.Issue("invalid-signal", f"invalid signal: {signal}", node.value.span, "error", stage=self.stage.index)
            )
        return m.ValueX(signal)

    def _do_volume(self, node: ast.Volume) -> m.ListX:
        return m.ListX(tuple(self.expand(word) for word in node.args))

    def _do_shell(self, node: ast.Shell) -> None:
        if node.form == "exec" and node.args:
            self.shell = tuple(word.value for word in node.args)
        return None

    def _do_expose(self, node: ast.Expose) -> m.ListX:
        words: list[str] = []
        for word in node.args:
            result = self.expansion(word, report=False)  # BuildKit's UndefinedVar skips EXPOSE
            if result is None:
                continue
            if self.knows(result):
                for port in result.words:
                    problem = port_problem(port)
                    if problem:
                        self.a.issues.append(m.Issue("invalid-port", problem, word.span, "error", stage=self.stage.index))
            words.extend(result.words)
        return m.ListX(tuple(words))

    def _do_copy(self, node: ast.Copy | ast.Add) -> m.CopyX:
        index = self.stage.index
        issues = self.a.issues
        source_words = [word for word in node.sources if not _is_heredoc_source(word.value, node)]
        evaluated = [self.evaluate(word) for word in source_words]
        sources = tuple(value for value, _ in evaluated)
        known_sources = [value if known else None for value, known in evaluated]
        dest_word = node.dest
        dest = self.expand(dest_word) if dest_word is not None else ""
        chown, _ = self._flag_value(node, "chown")
        chmod, chmod_known = self._flag_value(node, "chmod")
        checksum, checksum_known = self._flag_value(node, "checksum") if node.kind == "add" else (None, True)
        if chmod and chmod_known and not _SYMBOLIC_MODE.fullmatch(chmod):
            try:
                mode = parse_go_uint(chmod, 8, 32)
                if mode > 0o7777:
                    raise GoValueError("range")
            except GoValueError:
                flag = node.flag("chmod")
                issues.append(
                    m.Issue(
                        "invalid-chmod",
                        f"invalid chmod parameter: '{chmod}'. it should be octal string and between 0 and 07777",
                        flag.span if flag else node.keyword.span,
                        "error",
                        stage=index,
                    )
                )
        if checksum and checksum_known:
            flag = node.flag("checksum")
            span = flag.span if flag else node.keyword.span
            problem = _checksum_problem(checksum, known_sources)
            if problem:
                issues.append(m.Issue("invalid-checksum", problem, span, "error", stage=index))
        source_stage = source_image = None
        if isinstance(node, ast.Copy):
            edge = self._edge(node, "copy")
            if edge is not None:
                source_stage, source_image = edge.stage, None if edge.stage is not None else edge.name
            for word, value in zip(source_words, known_sources):
                if value is None:
                    continue
                # Whatever --from says: only ADD downloads a URL or clones a repository.
                what = "git ref" if is_git_ref(value) else "URL" if is_http_source(value) else None
                if what is not None:
                    message = f"source can't be a {what} for COPY"
                    issues.append(m.Issue("copy-source-url", message, word.span, "error", stage=index))
        heredocs = []
        for heredoc in node.heredocs:
            content = heredoc.chomped_content
            if heredoc.expand:
                content = self.expand(ast.Word(value=content, span=heredoc.body), heredoc_body=True)
            heredocs.append(content)
        link = _bool_flag(node.flag("link"))
        parents = _bool_flag(node.flag("parents")) if isinstance(node, ast.Copy) else False
        excludes = tuple(f.value or "" for f in node.flags_named("exclude"))
        return m.CopyX(
            sources=sources,
            dest=dest,
            dest_resolved=resolve_dest(self.workdir, dest),
            chown=chown,
            chmod=chmod,
            checksum=checksum,
            source_stage=source_stage,
            source_image=source_image,
            heredocs=tuple(heredocs),
            link=link,
            parents=parents,
            excludes=excludes,
        )

    _do_add = _do_copy

    def _edge(self, node: ast.Instruction, kind: str) -> m.Edge | None:
        return next((e for e in self.stage.edges if e.node is node and e.kind == kind), None)

    def _flag_value(self, node: ast.Instruction, name: str) -> tuple[str | None, bool]:
        """The flag's expanded value (None when absent) and whether a lint can know it."""
        flag = node.flag(name)
        if flag is None or flag.value is None:
            return None, True
        return self.evaluate(ast.Word(value=flag.value, span=flag.span))

    def _do_run(self, node: ast.Run) -> m.RunX:
        mounts: list[Mount] = []
        mount_stages: list[int | None] = []
        for flag in node.flags_named("mount"):
            word = ast.Word(value=flag.value or "", span=flag.span)
            known = True  # every field value read so far is known

            def expand(text: str) -> str:
                nonlocal known
                value, value_known = self.evaluate(word, text)
                known = known and value_known
                return value

            try:
                mount = parse_mount(flag.value or "", expand)
            except MountError as error:
                if known:
                    self.a.issues.append(m.Issue("invalid-mount", str(error), flag.span, "error", stage=self.stage.index))
                continue
            mounts.append(mount)
        edges = iter(e for e in self.stage.edges if e.node is node and e.kind == "mount")
        for mount in mounts:
            mount_stages.append(next(edges).stage if mount.from_ else None)
        return m.RunX(tuple(mounts), tuple(mount_stages))


def _mark(unknown: set[str], name: str, known: bool) -> None:
    """Record whether `name`'s new value is known."""
    if known:
        unknown.discard(name)
    else:
        unknown.add(name)


def _bool_flag(flag: ast.Flag | None) -> bool:
    if flag is None:
        return False
    return flag.value is None or flag.value.lower() == "true"


def _is_heredoc_source(value: str, node: ast.Copy | ast.Add) -> bool:
    if not node.heredocs:
        return False
    match = HEREDOC_MARKER.match(value)
    return match is not None and any(h.name for h in node.heredocs)


def _checksum_problem(checksum: str, sources: Sequence[str | None]) -> str | None:
    """What BuildKit says about ADD --checksum, given the sources (None: not known)."""
    algorithm, _, encoded = checksum.partition(":")
    lengths = {"sha256": 64, "sha384": 96, "sha512": 128}
    if not encoded or not re.fullmatch(r"[a-z0-9]+(?:[.+_-][a-z0-9]+)*", algorithm):
        return "invalid checksum digest format"
    if algorithm not in lengths:
        return "unsupported digest algorithm"
    if len(encoded) != lengths[algorithm] or not re.fullmatch(r"[a-f0-9]+", encoded):
        return "invalid checksum digest length" if len(encoded) != lengths[algorithm] else "invalid checksum digest format"
    if len(sources) != 1:
        return "checksum can't be specified for multiple sources"
    if sources[0] is not None and not sources[0].startswith(("http://", "https://")):
        return "checksum can't be specified for non-HTTP(S) sources"
    return None


def _valid_signal(signal: str) -> bool:
    """`signal.ParseSignal`: a positive number, or a name with or without SIG."""
    if signal.isdigit():
        return int(signal) > 0
    name = signal.upper()
    if name.startswith("SIG"):
        name = name[3:]
    return name in _SIGNALS


def port_problem(spec: str) -> str | None:
    """What BuildKit's `parsePortSpec` (after go-connections' `nat`) says about one EXPOSE word, or None."""
    parts = spec.split(":")  # splitParts: [[ip:]host-port:]container-port, the IP may hold colons
    ip, host_port, container = ":".join(parts[:-2]), parts[-2] if len(parts) > 1 else "", parts[-1]
    port, _, proto = container.partition("/")
    if not port:
        return f"no port specified: {container}<empty>"
    proto = go_lower(proto)
    if proto not in ("", "tcp", "udp", "sctp"):
        return f"invalid proto: {proto}"
    if ip.startswith("["):
        ip, problem = _bracketed_ip(ip)
        if problem:
            return problem
    if ip and not _valid_ip(ip):
        return f"invalid IP address: {ip}"
    ports = _port_range(port)
    if ports is None:
        return f"invalid containerPort: {port}"
    if host_port:
        host_ports = _port_range(host_port)
        if host_ports is None:
            return f"invalid hostPort: {host_port}"
        # A host range with a single container port is the range to allocate from.
        if ports[1] - ports[0] != host_ports[1] - host_ports[0] and ports[0] != ports[1]:
            return f"invalid ranges specified for container and host Ports: {port} and {host_port}"
    return None


def _port_range(text: str) -> tuple[int, int] | None:
    """`parsePortRange`: `80` or `8000-9000`, each a 16-bit decimal number, in order."""
    bounds = text.split("-")
    if len(bounds) > 2 or not all(b.isascii() and b.isdigit() and int(b) <= 65535 for b in bounds):
        return None
    start, end = int(bounds[0]), int(bounds[-1])
    return (start, end) if start <= end else None


def _bracketed_ip(ip: str) -> tuple[str, str | None]:
    """Go's `net.SplitHostPort(ip + ":")`, which strips the brackets of `[::1]`: the IP, or the error."""
    address = ip + ":"
    end = address.find("]")
    if end < 0:
        why = "missing ']' in address"
    elif end + 2 != len(address):
        why = "too many colons in address" if address[end + 1] == ":" else "missing port in address"
    elif "[" in address[1:]:
        why = "unexpected '[' in address"
    else:
        return address[1:end], None
    return ip, f"invalid IP address {ip}: address {address}: {why}"


def _valid_ip(text: str) -> bool:
    """Go's `net.ParseIP`: dotted IPv4 (no leading zeros) or IPv6, without a zone."""
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return "%" not in text


def is_git_ref(source: str) -> bool:
    """BuildKit's `ParseGitRef` for COPY/ADD: git://, ssh://, user@host:path, or an http(s)
    URL whose path ends in `.git` (`github.com/x/y` counts as a local path)."""
    if source.startswith(("./", "../")):
        return False
    if source.startswith(("git://", "ssh://")) or _SCP_LIKE.match(source):
        return True
    if source.startswith(("http://", "https://")):
        return urlsplit(source).path.endswith(".git")
    return False


def is_http_source(source: str) -> bool:
    """An http(s) download (BuildKit's `isHTTPSource`: git URLs excluded)."""
    return source.startswith(("http://", "https://")) and not is_git_ref(source)
