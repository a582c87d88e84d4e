//! pest errors → our diagnostics: "expected `=` after `external_id`", never a rule name.

use super::parser::Rule;
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use pest::error::{ErrorVariant, InputLocation};

/// What a rule means to a reader, or `None` for rules that are folded into a broader word.
fn rule_label(rule: Rule) -> Option<&'static str> {
    use Rule::*;
    Some(match rule {
        EOI => "end of file",
        assign_op => "`=`",
        colon => "`:`",
        comma => "`,`",
        lbrace => "`{`",
        rbrace => "`}`",
        lbracket => "`[`",
        rbracket => "`]`",
        lparen => "`(`",
        rparen => "`)`",
        langle => "`<`",
        rangle => "`>`",
        question => "`?`",
        pipe => "`|`",
        arrow => "`->`",
        kw_by => "`by`",
        kw_path => "`path`",
        kw_when => "`when`",
        kw_at => "`at`",
        kw_to => "`to`",
        kw_of => "`of`",
        kw_ids => "`ids`",
        kw_from => "`from`",
        kw_given => "`given`",
        kw_expect => "`expect`",
        kw_then => "`then`",
        kw_else => "`else`",
        kw_empty => "`empty`",
        kw_in => "`in`",
        kw_daily => "`daily`",
        kw_every => "`every`",
        kw_segment => "`segment`",
        ident => "a name",
        field_path | quoted_name => "a field name",
        target_name => "a target name such as `winningtemp.scim`",
        string => "a text in double quotes",
        integer => "a whole number",
        percent => "a percentage such as `5%`",
        guard_limit => "a number or a percentage",
        guard_op | op_le | op_ge | op_lt | op_gt => "`<=` or `>=`",
        time => "a time such as `01:00`",
        timezone => "a time zone such as `Europe/Stockholm`",
        pattern | wildcard => "a pattern (a literal or `_`)",
        map_arm => "a value-map arm such as `1->Male`",
        arm_result => "a value",
        type_expr => "a type",
        setting => "a setting",
        field_decl => "a field declaration",
        assignment => "an attribute assignment",
        test_entry => "an entry",
        expr_list => "a list in `[ ]`",
        _ => return None,
    })
}

fn is_statement_start(rule: Rule) -> bool {
    use Rule::*;
    matches!(
        rule,
        kw_source
            | kw_fields
            | kw_target
            | kw_match
            | kw_user
            | kw_group
            | kw_unit
            | kw_units
            | kw_segment
            | kw_exclude
            | kw_skip
            | kw_pause
            | kw_rules
            | kw_guard
            | kw_schedule
            | kw_report
            | kw_test
            | condition_kind
    )
}

fn is_expression_start(rule: Rule) -> bool {
    use Rule::*;
    matches!(
        rule,
        expr | op_not
            | if_expr
            | kw_if
            | paren_expr
            | list_expr
            | date
            | decimal
            | integer
            | string
            | boolean
            | kw_today
            | call
    )
}

fn is_operator(rule: Rule) -> bool {
    use Rule::*;
    matches!(
        rule,
        op_or | op_and | op_coalesce | op_eq | op_ne | is_empty_op | in_op | map_op | kw_is
    )
}

/// The words for a set of expected rules, most specific first, de-duplicated.
fn expected_words(positives: &[Rule]) -> Vec<&'static str> {
    let mut words: Vec<&'static str> = Vec::new();
    let push = |w: &'static str, words: &mut Vec<&'static str>| {
        if !words.contains(&w) {
            words.push(w);
        }
    };
    let statement = positives.iter().any(|r| is_statement_start(*r));
    let expression = positives.iter().any(|r| is_expression_start(*r));
    for rule in positives {
        if is_statement_start(*rule) || is_expression_start(*rule) || is_operator(*rule) {
            continue;
        }
        if statement && *rule == Rule::ident {
            continue; // the value-map statement starts with a name; "a statement" covers it
        }
        if expression && matches!(rule, Rule::field_path | Rule::ident) {
            continue;
        }
        if let Some(w) = rule_label(*rule) {
            push(w, &mut words);
        }
    }
    if expression {
        words.insert(0, "an expression");
    }
    if statement {
        words.insert(
            0,
            "a statement (`source`, `user`, `group path`, `exclude when`, …)",
        );
    }
    if positives.iter().any(|r| is_operator(*r)) && words.is_empty() {
        words.push("an operator");
    }
    words
}

fn join_words(words: &[&str]) -> String {
    match words {
        [] => "something else".to_string(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The token just before `pos`, for "after `external_id`".
fn previous_token(text: &str, pos: usize) -> Option<String> {
    let before = text.get(..pos)?;
    // Skip whitespace and whole comment lines backwards.
    let mut end = before.trim_end().len();
    loop {
        let line_start = before[..end].rfind('\n').map_or(0, |i| i + 1);
        let line = &before[line_start..end];
        match comment_start(line) {
            Some(hash) => end = before[..line_start + hash].trim_end().len(),
            None => break,
        }
    }
    let head = &before[..end];
    let last = head.chars().last()?;
    let token: String = if last.is_alphanumeric() || last == '_' {
        // Step past the boundary character by its own width: it may be multi-byte (`€`).
        let start = head
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == '.'))
            .map_or(0, |(i, c)| i + c.len_utf8());
        head[start..].to_string()
    } else if last == '"' {
        let start = head[..head.len() - 1].rfind('"').unwrap_or(0);
        head[start..].to_string()
    } else {
        last.to_string()
    };
    let short: String = token.chars().take(30).collect();
    (!short.is_empty()).then_some(short)
}

/// Byte index of a `#` that starts a comment on this line (outside quotes), if any.
pub(crate) fn comment_start(line: &str) -> Option<usize> {
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match c {
            '\\' if in_string => escaped = !escaped,
            '"' if !escaped => in_string = !in_string,
            '#' if !in_string => return Some(i),
            _ => escaped = false,
        }
        if c != '\\' {
            escaped = false;
        }
    }
    None
}

/// What is at `pos`, for the label.
fn found_at(text: &str, pos: usize) -> String {
    let rest = text.get(pos..).unwrap_or("");
    let token: String = match rest.chars().next() {
        None => return "end of file".to_string(),
        Some(c) if c.is_alphanumeric() || c == '_' => rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .take(30)
            .collect(),
        Some('\n') | Some('\r') => return "end of line".to_string(),
        Some(c) => c.to_string(),
    };
    format!("`{token}`")
}

/// Converts a pest error to our diagnostic.
pub fn syntax_error(text: &str, error: &pest::error::Error<Rule>) -> Diagnostic {
    let pos = match error.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let found = found_at(text, pos);
    let span_end = if found.starts_with('`') {
        (pos + found.len().saturating_sub(2)).min(text.len())
    } else {
        (pos + text
            .get(pos..)
            .and_then(|r| r.chars().next())
            .map_or(0, char::len_utf8))
        .min(text.len())
    };
    let span = Span::new(pos, span_end.max(pos));
    let (message, label) = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            let words = expected_words(positives);
            let expected = join_words(&words);
            let message = match previous_token(text, pos) {
                Some(prev) => format!("expected {expected} after `{prev}`"),
                None => format!("expected {expected}"),
            };
            (message, format!("found {found}"))
        }
        // pest refuses to recurse further when the stack runs low; that is too deep a nesting
        // (of `if`s, say) that the lexical scan could not see coming.
        ErrorVariant::CustomError { message } if message == "stack limit reached" => {
            return super::depth::too_deep(span, "this expression");
        }
        ErrorVariant::CustomError { message } => (message.clone(), String::new()),
    };
    let help = match (&error.variant, previous_token(text, pos)) {
        (ErrorVariant::ParsingError { positives, .. }, Some(prev))
            if expected_words(positives) == ["`=`"] =>
        {
            format!("write `{prev} = …`")
        }
        _ => help_for(text, pos),
    };
    Diagnostic::new(Code::Syntax, span, message, label).with_help(help)
}

/// A hint for common slips.
fn help_for(text: &str, pos: usize) -> String {
    let rest = text.get(pos..).unwrap_or("");
    if rest.starts_with('\'') {
        "text is written in double quotes: \"like this\"".to_string()
    } else if rest.starts_with("=>") || rest.starts_with("→") {
        "value-map arms are written `pattern -> value`".to_string()
    } else if rest.starts_with("&&") || rest.starts_with("||") {
        "use the words `and` / `or`".to_string()
    } else {
        "see docs/language.md for the statement's form".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previous_token_skips_whitespace_and_comments() {
        let t = "user {\n  external_id # the key\n  Id";
        let pos = t.find("Id").unwrap();
        assert_eq!(previous_token(t, pos).as_deref(), Some("external_id"));
    }

    #[test]
    fn previous_token_after_a_multibyte_boundary() {
        let t = "€abc def";
        assert_eq!(previous_token(t, t.len()).as_deref(), Some("def"));
        let t = "x€abc";
        assert_eq!(previous_token(t, t.len()).as_deref(), Some("abc"));
    }

    #[test]
    fn comment_start_ignores_hash_in_strings() {
        assert_eq!(comment_start(r#"x = "a#b" # c"#), Some(10));
        assert_eq!(comment_start(r#"x = "a#b""#), None);
    }
}
