//! Checking `guard filled(FIELD) >= 90%` (also `>= N` records and `>= 80% of last_run`), and
//! the limit of any guard that is neither a percentage nor a count (E0317).

use super::Checker;
use super::env::FieldEnv;
use super::program::Program;
use crate::diagnostics::{Code, Diagnostic};
use crate::model::{FillGuard, GuardLimit};
use crate::syntax::ast::{GuardOp, GuardStmt, LimitLit};

impl Checker<'_> {
    /// `guard filled(FIELD) >= …`: the field must exist (it is then read, and counted, like
    /// any field the mapping uses), the bound is a lower one, and the limit a percentage or a
    /// count.
    pub(crate) fn check_fill_guard(
        &mut self,
        g: &GuardStmt,
        env: &mut FieldEnv,
        program: &mut Program,
    ) {
        let bad = |this: &mut Self, span, msg: String, help: &str| {
            this.report(Diagnostic::new(Code::InvalidGuard, span, msg, "here").with_help(help));
        };
        let Some(path) = &g.field else {
            return bad(
                self,
                g.subject.span,
                "`filled` needs the field it guards".into(),
                "write e.g. `guard filled(Manager) >= 90%`",
            );
        };
        if matches!(g.op.node, GuardOp::Le | GuardOp::Lt) {
            return bad(
                self,
                g.op.span,
                "`filled` cannot be limited from this side".into(),
                "a fill rate is a lower bound: `guard filled(Manager) >= 90%`",
            );
        }
        let limit = match g.limit.node {
            LimitLit::Other(_) => return self.limit_not_a_number(g),
            LimitLit::Percent(p) if !(0.0..=100.0).contains(&p) => {
                return bad(
                    self,
                    g.limit.span,
                    format!("{p}% is not a percentage between 0 and 100"),
                    "write e.g. `90%`",
                );
            }
            LimitLit::Percent(p) => GuardLimit::Percent(p),
            // `> 10` records is `>= 11`.
            LimitLit::Count(c) if g.op.node == GuardOp::Gt => GuardLimit::Count(c + 1),
            LimitLit::Count(c) => GuardLimit::Count(c),
        };
        let of_last_run = match (&g.of, limit) {
            (None, _) => false,
            (Some(of), _) if of.node != "last_run" => {
                return bad(
                    self,
                    of.span,
                    format!("unknown reference `{}`", of.node),
                    "the only reference is `last_run`",
                );
            }
            (Some(of), GuardLimit::Count(_)) => {
                return bad(
                    self,
                    of.span,
                    "`of last_run` needs a percentage".into(),
                    "write `guard filled(Manager) >= 80% of last_run`",
                );
            }
            (Some(_), GuardLimit::Percent(_)) => true,
        };
        let dotted = path.dotted();
        let Some(resolved) = env.resolve(&dotted) else {
            return self.unknown_field(env, &dotted, path.span);
        };
        program.fill_guards.push(FillGuard {
            field: dotted,
            slot: resolved.id,
            limit,
            of_last_run,
            because: self.because(g.span),
        });
    }

    /// E0317: a guard limit that is neither a percentage nor a count (`0.9`, `"90%"`).
    pub(crate) fn limit_not_a_number(&mut self, g: &GuardStmt) {
        let written = match &g.limit.node {
            LimitLit::Other(text) => text.as_str(),
            _ => "",
        };
        let example = match g.subject.node.as_str() {
            "filled" => "`90%` of the records, or a number of records such as `100`",
            "source" => "`90%` with `of last_run`, or a number of records such as `100`",
            _ => "a percentage such as `5%`, or a count such as `50`",
        };
        self.report(
            Diagnostic::new(
                Code::GuardLimitNotANumber,
                g.limit.span,
                format!("`{written}` is neither a percentage nor a count"),
                "not a guard limit",
            )
            .with_help(format!("write {example}")),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::check::check_source;
    use crate::diagnostics::Code;
    use crate::model::GuardLimit;
    use crate::source::SourceFile;

    const HEAD: &str = "source csv { path = \"p.csv\" }\n\
        fields { Id: text, Email: text, Manager: text? }\n\
        target winningtemp.files { dir = \"out\" }\n\
        user {\n  external_id = Id\n  username = Email\n  first_name = Id\n  last_name = Id\n  manager = Manager\n}\n";

    fn check(guard: &str) -> (Option<crate::check::Program>, Vec<(Code, String)>) {
        let file = SourceFile::new("t.wtmap", format!("{HEAD}{guard}\n"));
        let (program, diags) = check_source(&file);
        let found = diags
            .iter()
            .map(|d| {
                (
                    d.code,
                    format!("{} / {}", d.message, d.help.clone().unwrap_or_default()),
                )
            })
            .collect();
        (program, found)
    }

    #[test]
    fn a_fill_guard_names_a_field_the_mapping_can_read() {
        let (program, diags) = check("guard filled(Manager) >= 90%");
        assert!(diags.is_empty(), "{diags:?}");
        let program = program.unwrap();
        let g = &program.fill_guards[0];
        assert_eq!(
            (g.field.as_str(), g.limit, g.of_last_run),
            ("Manager", GuardLimit::Percent(90.0), false)
        );
        assert_eq!(program.fields[g.slot].dotted(), "Manager");

        let (program, diags) =
            check("guard filled(Manager) > 10\nguard filled(Email) >= 80% of last_run");
        assert!(diags.is_empty(), "{diags:?}");
        let guards = program.unwrap().fill_guards;
        assert_eq!(guards[0].limit, GuardLimit::Count(11));
        assert!(guards[1].of_last_run);
    }

    #[test]
    fn an_unknown_field_is_reported_with_a_suggestion() {
        let (_, diags) = check("guard filled(Manger) >= 90%");
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(diags[0].0, Code::UnknownField);
        assert!(diags[0].1.contains("did you mean `Manager`?"), "{diags:?}");
    }

    #[test]
    fn wrong_shapes_of_the_guard_are_errors_with_a_hint() {
        for (guard, code, says) in [
            (
                "guard filled(Manager) >= 0.9",
                Code::GuardLimitNotANumber,
                "`0.9` is neither",
            ),
            (
                "guard filled(Manager) >= \"90%\"",
                Code::GuardLimitNotANumber,
                "percentage",
            ),
            ("guard pauses <= 0.5", Code::GuardLimitNotANumber, "`5%`"),
            (
                "guard filled(Manager) <= 90%",
                Code::InvalidGuard,
                "lower bound",
            ),
            ("guard filled >= 90%", Code::InvalidGuard, "needs the field"),
            (
                "guard pauses(Manager) <= 5%",
                Code::InvalidGuard,
                "takes no field",
            ),
            (
                "guard filled(Manager) >= 120%",
                Code::InvalidGuard,
                "between 0 and 100",
            ),
            (
                "guard filled(Manager) >= 10 of last_run",
                Code::InvalidGuard,
                "percentage",
            ),
            (
                "guard fillled(Manager) >= 90%",
                Code::InvalidGuard,
                "did you mean `filled`?",
            ),
        ] {
            let (_, diags) = check(guard);
            assert_eq!(diags.len(), 1, "{guard}: {diags:?}");
            assert_eq!(diags[0].0, code, "{guard}: {diags:?}");
            assert!(diags[0].1.contains(says), "{guard}: {diags:?}");
        }
    }
}
