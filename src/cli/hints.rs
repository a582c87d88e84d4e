//! Hints for the flags people bring from other tools: clap's own error, then one line that says
//! what wtmap calls it (`--json` is `--format json`; a dry run is `wtmap plan`).

use clap::error::{ContextKind, ContextValue, ErrorKind};

/// The hint for an unknown argument `flag` given to `subcommand`, if wtmap knows a better way.
pub fn for_unknown_flag(subcommand: Option<&str>, flag: &str) -> Option<String> {
    let flag = flag.split_once('=').map_or(flag, |(name, _)| name);
    match flag {
        "--json" | "--yaml" | "--markdown" | "--md" | "--html" | "--text" => {
            let format = match flag.trim_start_matches('-') {
                "md" => "markdown",
                other => other,
            };
            Some(format!("use `--format {format}` to choose the output format"))
        }
        "--dry-run" | "--dryrun" | "-n" | "--noop" | "--what-if" => match subcommand {
            Some("run" | "apply") => Some(
                "wtmap has no dry run flag: `wtmap plan MAPPING` shows what `run`/`apply` would do \
                 and changes nothing"
                    .to_string(),
            ),
            _ => None,
        },
        "--force" | "--yes-i-am-sure" if subcommand == Some("apply") => {
            Some("`--yes` applies without asking".to_string())
        }
        "--input" | "--data" | "--file" | "--export" => {
            Some("HR records are given with `--records FILE`".to_string())
        }
        _ => None,
    }
}

/// Appends a hint to a clap error about an unknown argument, when there is one.
pub fn render(error: &clap::Error, args: &[String]) -> Option<String> {
    if error.kind() != ErrorKind::UnknownArgument {
        return None;
    }
    let Some(ContextValue::String(flag)) = error.get(ContextKind::InvalidArg) else {
        return None;
    };
    let subcommand = args
        .iter()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .map(String::as_str);
    for_unknown_flag(subcommand, flag)
}

#[cfg(test)]
mod tests {
    use super::for_unknown_flag;

    #[test]
    fn format_flags_point_at_format() {
        assert_eq!(
            for_unknown_flag(Some("plan"), "--json").as_deref(),
            Some("use `--format json` to choose the output format")
        );
        assert_eq!(
            for_unknown_flag(Some("plan"), "--md").as_deref(),
            Some("use `--format markdown` to choose the output format")
        );
    }

    #[test]
    fn dry_run_points_at_plan_only_where_it_writes() {
        assert!(
            for_unknown_flag(Some("run"), "--dry-run").is_some_and(|h| h.contains("wtmap plan"))
        );
        assert!(for_unknown_flag(Some("check"), "--dry-run").is_none());
        assert!(for_unknown_flag(Some("plan"), "--frobnicate").is_none());
    }
}
