"""Instructions: matching (name, discriminator, shape), arguments (as positional fields), return data,
and the account list (order, flags, fixed addresses, PDA seeds, has_one relations)."""

from __future__ import annotations

from collections.abc import Hashable

from idlgen.anchor.lower import type_display
from idlgen.compat.align import align, lis
from idlgen.compat.check_base import _Named
from idlgen.compat.check_types import TypeChecks
from idlgen.compat.core import Flow, PairDiff, Ref, name_key, snake, snake_path
from idlgen.ir.model import AccountMeta, AccountSeed, ArgSeed, ConstSeed, Instruction, Pda, Seed

RULES = frozenset({
    "INSTRUCTION_ADDED",
    "INSTRUCTION_DISCRIMINATOR_CHANGED",
    "INSTRUCTION_REMOVED",
    "INSTRUCTION_RENAMED",
    "INSTRUCTION_RETURNS_ADDED",
    "INSTRUCTION_RETURNS_REMOVED",
    "IX_ACCOUNT_ADDED",
    "IX_ACCOUNT_ADDRESS_ADDED",
    "IX_ACCOUNT_ADDRESS_CHANGED",
    "IX_ACCOUNT_ADDRESS_REMOVED",
    "IX_ACCOUNT_CONSTRAINT_RECORDED",
    "IX_ACCOUNT_MOVED",
    "IX_ACCOUNT_OPTIONAL_ADDED",
    "IX_ACCOUNT_OPTIONAL_APPENDED",
    "IX_ACCOUNT_OPTIONAL_REMOVED",
    "IX_ACCOUNT_PDA_ADDED",
    "IX_ACCOUNT_PDA_CHANGED",
    "IX_ACCOUNT_PDA_REMOVED",
    "IX_ACCOUNT_RELATIONS_CHANGED",
    "IX_ACCOUNT_REMOVED",
    "IX_ACCOUNT_RENAMED",
    "IX_ACCOUNT_SIGNER_ADDED",
    "IX_ACCOUNT_SIGNER_REMOVED",
    "IX_ACCOUNT_WRITABLE_ADDED",
    "IX_ACCOUNT_WRITABLE_REMOVED",
})


class InstructionChecks(TypeChecks):
    def ix_shape(self, ix: _Named, old: bool) -> Hashable:
        assert isinstance(ix, Instruction)
        sh = self.oshape if old else self.nshape
        return (tuple(sh.of(a.type) for a in ix.args),
                tuple((m.snake, m.writable, m.signer) for m in ix.flat_accounts()))

    def instructions(self) -> None:
        pairs, removed, added = self.match(self.op.instructions, self.np.instructions, "snake", self.ix_shape)
        for x in removed:
            assert isinstance(x, Instruction)
            self.add("INSTRUCTION_REMOVED", f"instruction `{x.snake}` was removed", f"instructions.{x.snake}",
                     x.path, None, Flow.INPUT)
        for x in added:
            assert isinstance(x, Instruction)
            self.add("INSTRUCTION_ADDED", f"instruction `{x.snake}` was added", f"instructions.{x.snake}",
                     None, x.path, Flow.INPUT)
        oi = {x.snake: k for k, x in enumerate(self.op.instructions)}
        ni = {x.snake: k for k, x in enumerate(self.np.instructions)}
        for a, b in pairs:
            assert isinstance(a, Instruction) and isinstance(b, Instruction)
            if not a.discriminator and not b.discriminator and oi[a.snake] != ni[b.snake]:
                self.add("INSTRUCTION_DISCRIMINATOR_CHANGED", f"instruction `{b.snake}` has no discriminator, so it is "
                         f"routed by its position, which changed from {oi[a.snake]} to {ni[b.snake]}",
                         f"instructions.{b.snake}.discriminator", a.path, b.path, Flow.INPUT)
            self.instruction(a, b)

    def instruction(self, a: Instruction, b: Instruction) -> None:
        subject = f"instructions.{b.snake}"
        if a.snake != b.snake:
            self.add("INSTRUCTION_RENAMED", f"instruction `{a.snake}` was renamed to `{b.snake}`", subject,
                     a.path, b.path, Flow.INPUT)
        if a.discriminator != b.discriminator:
            self.add("INSTRUCTION_DISCRIMINATOR_CHANGED", f"the discriminator of instruction `{b.snake}` changed "
                     f"from {list(a.discriminator)} to {list(b.discriminator)}", f"{subject}.discriminator",
                     a.path, b.path, Flow.INPUT)
        self.docs(a.docs, b.docs, f"instruction `{b.snake}`", subject, a.path, b.path)
        pd = PairDiff()
        self.fields(a.args, b.args, f"instruction `{b.snake}`", subject, "arg", a.path, b.path, pd)
        for r in pd.raws:
            r.flow = r.flow or Flow.INPUT
        self.raws.extend(pd.raws)
        for pair in pd.children:
            self.root_pair(*pair, (Flow.INPUT, f"instruction `{b.snake}`"))
        self.returns(a, b, subject)
        self.ix_accounts(a, b, subject)

    def returns(self, a: Instruction, b: Instruction, subject: str) -> None:
        sub = f"{subject}.returns"
        rp_o, rp_n = f"{a.path}.returns", f"{b.path}.returns"
        if a.returns is None and b.returns is not None:
            self.add("INSTRUCTION_RETURNS_ADDED", f"instruction `{b.snake}` now returns {type_display(b.returns)}",
                     sub, a.path, rp_n, Flow.OUTPUT)
        elif a.returns is not None and b.returns is None:
            self.add("INSTRUCTION_RETURNS_REMOVED", f"instruction `{b.snake}` no longer returns "
                     f"{type_display(a.returns)}", sub, rp_o, b.path, Flow.OUTPUT)
        elif a.returns is not None and b.returns is not None:
            children: list[tuple[str, str]] = []
            r = self.cmp_ref(a.returns, b.returns, children)
            told, tnew = type_display(a.returns), type_display(b.returns)
            if r is Ref.DIFF:
                self.add("FIELD_TYPE_CHANGED", f"the return data of instruction `{b.snake}` ({told}) became {tnew}",
                         sub, rp_o, rp_n, Flow.OUTPUT)
            elif r is Ref.WIRE:
                self.add("FIELD_TYPE_WIRE_EQUAL", f"the return data of instruction `{b.snake}` ({told}) became "
                         f"{tnew}, the same bytes", sub, rp_o, rp_n, Flow.OUTPUT)
            elif r is Ref.STRBYTES:
                self.add("FIELD_TYPE_STRING_BYTES", f"the return data of instruction `{b.snake}` ({told}) became "
                         f"{tnew}", sub, rp_o, rp_n, Flow.OUTPUT)
            elif r is Ref.BYTESSTR:
                self.add("FIELD_TYPE_BYTES_STRING", f"the return data of instruction `{b.snake}` ({told}) became "
                         f"{tnew}: bytes that are not UTF-8 are refused", sub, rp_o, rp_n, Flow.OUTPUT)
            for pair in children:
                self.root_pair(*pair, (Flow.OUTPUT, f"return data of `{b.snake}`"))

    def ix_accounts(self, a: Instruction, b: Instruction, subject: str) -> None:
        oa, na = a.flat_accounts(), b.flat_accounts()
        owner = f"instruction `{b.snake}`"
        old_has_pda = any(m.pda for x in self.op.instructions for m in x.flat_accounts())
        new_has_pda = any(m.pda for x in self.np.instructions for m in x.flat_accounts())
        old_has_rel = any(m.relations for x in self.op.instructions for m in x.flat_accounts())
        new_has_rel = any(m.relations for x in self.np.instructions for m in x.flat_accounts())

        def add(rule: str, msg: str, m: AccountMeta, op: str | None, np: str | None) -> None:
            self.add(rule, msg, f"{subject}.accounts.{m.snake}", op, np, Flow.INPUT)

        pairs_opt = align([name_key(m.snake) for m in oa], [name_key(m.snake) for m in na], lambda i, j: (
            oa[i].writable, oa[i].signer, oa[i].optional) == (na[j].writable, na[j].signer, na[j].optional))
        pairs = [(i, j) for i, j in pairs_opt if i is not None and j is not None]
        last_kept = max((j for _, j in pairs), default=-1)
        for i, j in pairs_opt:
            if j is None and i is not None:
                add("IX_ACCOUNT_REMOVED", f"account `{oa[i].snake}` (position {i}) was removed from {owner}",
                    oa[i], oa[i].path, b.path)
            elif i is None and j is not None:
                m = na[j]
                if m.optional and j > last_kept:
                    add("IX_ACCOUNT_OPTIONAL_APPENDED", f"optional account `{m.snake}` was appended to {owner}: "
                        "old producers omit it, which Anchor accepts only with `allow-missing-optionals`", m, a.path,
                        m.path)
                else:
                    where = "at the end" if j > last_kept else f"at position {j}: every later account shifts"
                    add("IX_ACCOUNT_ADDED", f"account `{m.snake}` was added to {owner} {where}", m, a.path, m.path)
        order = sorted(pairs)
        keep = lis([j for _, j in order])
        for k, (i, j) in enumerate(order):
            if k not in keep:
                add("IX_ACCOUNT_MOVED", f"account `{na[j].snake}` of {owner} changed its order relative to the others "
                    f"(position {i} -> {j})",
                    na[j], oa[i].path, na[j].path)
        for i, j in pairs:
            x, y = oa[i], na[j]
            what = f"account `{y.snake}` of {owner}"
            if name_key(x.snake) != name_key(y.snake):
                add("IX_ACCOUNT_RENAMED", f"account `{x.snake}` of {owner} was renamed to `{y.snake}`", y, x.path,
                    y.path)
            if x.writable != y.writable:
                add("IX_ACCOUNT_WRITABLE_ADDED" if y.writable else "IX_ACCOUNT_WRITABLE_REMOVED",
                    f"{what} is {'now' if y.writable else 'no longer'} writable", y, x.path, y.path)
            if x.signer != y.signer:
                add("IX_ACCOUNT_SIGNER_ADDED" if y.signer else "IX_ACCOUNT_SIGNER_REMOVED",
                    f"{what} {'must now sign' if y.signer else 'no longer needs to sign'}", y, x.path, y.path)
            if x.optional != y.optional:
                add("IX_ACCOUNT_OPTIONAL_ADDED" if y.optional else "IX_ACCOUNT_OPTIONAL_REMOVED",
                    f"{what} is {'now optional' if y.optional else 'now required (it was optional)'}", y, x.path,
                    y.path)
            if x.address != y.address:
                if x.address and y.address:
                    add("IX_ACCOUNT_ADDRESS_CHANGED", f"the fixed address of {what} changed from {x.address} to "
                        f"{y.address}", y, x.path, y.path)
                elif y.address:
                    if self.o.legacy:
                        add("IX_ACCOUNT_CONSTRAINT_RECORDED", f"{what} now records its fixed address {y.address} "
                            "(the legacy format could not)", y, x.path, y.path)
                    else:
                        add("IX_ACCOUNT_ADDRESS_ADDED", f"{what} now has the fixed address {y.address}", y, x.path,
                            y.path)
                elif self.n.legacy:
                    add("IX_ACCOUNT_CONSTRAINT_RECORDED", f"{what} no longer records its fixed address "
                        f"{x.address} (the legacy format cannot)", y, x.path, y.path)
                else:
                    add("IX_ACCOUNT_ADDRESS_REMOVED", f"{what} lost its fixed address {x.address}", y, x.path, y.path)
            if x.pda != y.pda:
                ko, kn = self.pda_key(x.pda), self.pda_key(y.pda)
                if ko != kn:
                    if x.pda and y.pda:
                        add("IX_ACCOUNT_PDA_CHANGED", f"the PDA seeds of {what} changed from {self.pda_text(x.pda)} "
                            f"to {self.pda_text(y.pda)}", y, f"{x.path}.pda", f"{y.path}.pda")
                    elif y.pda:
                        if not old_has_pda:
                            add("IX_ACCOUNT_CONSTRAINT_RECORDED", f"{what} now records its PDA seeds "
                                f"{self.pda_text(y.pda)} (the old IDL records none anywhere)", y, x.path,
                                f"{y.path}.pda")
                        else:
                            add("IX_ACCOUNT_PDA_ADDED", f"{what} is now a PDA with seeds {self.pda_text(y.pda)}", y,
                                x.path, f"{y.path}.pda")
                    elif x.pda:
                        if not new_has_pda:
                            add("IX_ACCOUNT_CONSTRAINT_RECORDED", f"{what} no longer records its PDA seeds (the new "
                                "IDL records none anywhere)", y, f"{x.path}.pda", y.path)
                        else:
                            add("IX_ACCOUNT_PDA_REMOVED", f"{what} lost its PDA seeds {self.pda_text(x.pda)}", y,
                                f"{x.path}.pda", y.path)
            rx = sorted(snake(r) for r in x.relations)
            ry = sorted(snake(r) for r in y.relations)
            if rx != ry:
                if (not rx and not old_has_rel) or (not ry and not new_has_rel):
                    add("IX_ACCOUNT_CONSTRAINT_RECORDED", f"the has_one relations of {what} are recorded only on one "
                        f"side ({rx} -> {ry})", y, x.path, y.path)
                else:
                    add("IX_ACCOUNT_RELATIONS_CHANGED", f"the has_one relations of {what} changed from {rx} to {ry}",
                        y, x.path, y.path)
            self.docs(x.docs, y.docs, what, f"{subject}.accounts.{y.snake}", x.path, y.path)

    def pda_key(self, p: Pda | None) -> Hashable:
        if p is None:
            return None
        return (tuple(self.seed_key(s) for s in p.seeds), self.seed_key(p.program) if p.program else None)

    @staticmethod
    def seed_key(s: Seed) -> Hashable:
        if isinstance(s, ConstSeed):
            return ("const", s.value)
        if isinstance(s, ArgSeed):
            return ("arg", snake_path(s.path_expr))
        assert isinstance(s, AccountSeed)
        return ("account", snake_path(s.path_expr))

    @staticmethod
    def pda_text(p: Pda) -> str:
        def one(s: Seed) -> str:
            if isinstance(s, ConstSeed):
                try:
                    txt = s.value.decode("ascii")
                    if txt.isprintable():
                        return f'"{txt}"'
                except UnicodeDecodeError:
                    pass
                return "0x" + s.value.hex()
            return s.path_expr
        out = "[" + ", ".join(one(s) for s in p.seeds) + "]"
        if p.program:
            out += f" of program {one(p.program)}"
        return out
