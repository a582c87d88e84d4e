//! The one registry of diagnostic codes. Numbers are explicit, grouped by range, and never
//! reused: `E00xx` syntax and structure, `E01xx` names and types, `E02xx` builtins and
//! arguments, `E03xx` sources, targets and configuration, `E04xx` run time (records),
//! `E05xx` mapping tests, `W06xx` the diff's decisions in a plan. Warnings use `W` with a
//! number from the same ranges.
//!
//! Each code's explanation is a runnable example: `mappings/errors/<CODE>_<slug>.wtmap`, a
//! minimal mapping that produces exactly that code. `wtmap check --explain CODE` prints it, and
//! the snapshot suite checks that it still does.

use super::Severity;

macro_rules! codes {
    ($( $variant:ident = $code:literal, $sev:ident, $slug:literal, $title:literal; )*) => {
        /// A diagnostic code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $(
                #[doc = $title]
                $variant,
            )*
        }

        impl Code {
            /// Every code, in number order.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// `E0101`
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code),* }
            }

            /// Error or warning.
            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$sev),* }
            }

            /// One-line title.
            pub fn title(self) -> &'static str {
                match self { $(Code::$variant => $title),* }
            }

            /// Path of the explaining example, relative to the repository.
            pub fn example_path(self) -> &'static str {
                match self { $(Code::$variant => concat!("mappings/errors/", $code, "_", $slug, ".wtmap")),* }
            }

            /// The explaining example itself (compiled in, so `--explain` works anywhere).
            pub fn example(self) -> &'static str {
                match self {
                    $(Code::$variant => include_str!(concat!("../../mappings/errors/", $code, "_", $slug, ".wtmap"))),*
                }
            }
        }
    };
}

codes! {
    Syntax = "E0001", Error, "syntax", "the text is not valid wtmap syntax";
    InvalidLiteral = "E0002", Error, "invalid_literal", "a literal is malformed (date, number, time, escape)";
    NestingTooDeep = "E0003", Error, "nesting_too_deep", "an expression or block is nested too deeply";
    MissingStatement = "E0010", Error, "missing_statement", "a required statement (`source`, `target`, `user`) is missing";
    DuplicateStatement = "E0011", Error, "duplicate_statement", "a statement that may appear once appears twice";

    UnknownField = "E0101", Error, "unknown_field", "a field the source does not have and `fields` does not declare";
    UnknownAttribute = "E0102", Error, "unknown_attribute", "a Winningtemp attribute that does not exist";
    UnknownEnumValue = "E0103", Error, "unknown_enum_value", "a value the target's enum does not have";
    TypeMismatch = "E0104", Error, "type_mismatch", "a value of one type where another is required";
    MandatoryUnmapped = "E0105", Error, "mandatory_unmapped", "a mandatory attribute is not mapped";
    MandatoryMayBeEmpty = "E0106", Error, "mandatory_may_be_empty", "a mandatory attribute is mapped from a value that may be empty";
    AttributeWrittenTwice = "E0107", Error, "attribute_written_twice", "two statements write the same attribute";
    MapNotTotal = "E0108", Error, "map_not_total", "a value map does not cover every value";
    UnreachableArm = "E0109", Error, "unreachable_arm", "a value-map arm can never be chosen";
    UnknownType = "E0110", Error, "unknown_type", "a type name in `fields` that does not exist";
    HierarchyNotSupported = "E0111", Error, "hierarchy_not_supported", "the target cannot carry a team hierarchy";
    FieldRedeclared = "E0112", Error, "field_redeclared", "a field declared twice, or with a type that contradicts the source";
    PatternNeverMatches = "W0113", Warning, "pattern_never_matches", "a value-map pattern is not among the field's known values";
    NameBasedTeamIds = "W0114", Warning, "name_based_team_ids", "team IDs taken from level names can collide";
    UnusedField = "W0115", Warning, "unused_field", "a declared field is never used";
    SegmentsNotSupported = "E0116", Error, "segments_not_supported", "the target cannot carry segments";
    AttributeNotCarried = "W0117", Warning, "attribute_not_carried", "an attribute the target does not carry";
    RepeatedStatement = "W0118", Warning, "repeated_statement", "a statement repeated word for word";
    EmptySegmentCategory = "E0119", Error, "empty_segment_category", "a `segment` whose category is empty";
    GroupAndGroupPath = "E0130", Error, "group_and_group_path", "`group = …` (org units) and `group path` both place people in teams";

    UnknownBuiltin = "E0201", Error, "unknown_builtin", "a function that does not exist";
    WrongArity = "E0202", Error, "wrong_arity", "a function called with the wrong number of arguments";
    ArgumentType = "E0203", Error, "argument_type", "a function argument of the wrong type";
    InvalidLiteralArgument = "E0204", Error, "invalid_literal_argument", "a format or pattern argument is invalid or not a literal";
    BuiltinNotAllowedHere = "E0205", Error, "builtin_not_allowed_here", "a function used where it cannot run";

    UnknownSourceKind = "E0301", Error, "unknown_source_kind", "a `source` kind that does not exist";
    UnknownSetting = "E0302", Error, "unknown_setting", "a setting the source, target or rules block does not have";
    MissingSetting = "E0303", Error, "missing_setting", "a required setting is missing";
    SettingType = "E0304", Error, "setting_type", "a setting has a value of the wrong kind";
    LiteralSecret = "E0305", Error, "literal_secret", "a secret written in the mapping instead of `env(\"…\")`";
    UnknownTarget = "E0306", Error, "unknown_target", "a `target` that does not exist";
    InvalidRule = "E0307", Error, "invalid_rule", "an unknown configuration rule or rule value";
    InvalidGuard = "E0308", Error, "invalid_guard", "a guard that cannot be checked";
    InvalidSchedule = "E0309", Error, "invalid_schedule", "a schedule with an invalid time, zone or interval";
    InvalidRecipient = "E0310", Error, "invalid_recipient", "a report recipient that is not an email address";
    UnknownMatchKey = "E0311", Error, "unknown_match_key", "a `match by` key that does not exist";
    InsecureUrl = "E0313", Error, "insecure_url", "a target URL that would expose its token: plain http to another host, or credentials in it";
    SecretOutOfScope = "E0315", Error, "secret_out_of_scope", "an `env(\"…\")` outside the mapping's secret scope";
    SecretTooShort = "E0316", Error, "secret_too_short", "a secret shorter than 8 characters, too short to redact as a whole";
    GuardLimitNotANumber = "E0317", Error, "guard_limit_not_a_number", "a guard limit that is neither a percentage nor a count";

    FieldEmpty = "E0401", Error, "field_empty", "a field declared without `?` is empty in a record";
    FieldInvalid = "E0402", Error, "field_invalid", "a field's value does not fit its declared type";
    FunctionFailed = "E0403", Error, "function_failed", "a function could not compute a value for a record";
    MandatoryEmpty = "E0404", Error, "mandatory_empty", "a mandatory attribute evaluated to an empty value";
    DuplicateExternalId = "E0405", Error, "duplicate_external_id", "two records have the same external ID";
    DuplicateUsername = "E0406", Error, "duplicate_username", "two records have the same username";
    DuplicateEmail = "E0407", Error, "duplicate_email", "two records have the same email";
    TeamIdCollision = "E0410", Error, "team_id_collision", "`ids [...]` gives one team ID to teams in different places of the hierarchy";
    UnitCycle = "E0420", Error, "unit_cycle", "org units whose parents form a cycle: nothing is planned";
    DuplicateUnitId = "E0421", Error, "duplicate_unit_id", "two org units with the same ID and different contents";
    UnitInvalid = "E0422", Error, "unit_invalid", "an org unit without an ID or a name, or whose record cannot be read";
    UnitParentMissing = "W0423", Warning, "unit_parent_missing", "an org unit whose parent does not exist: attached at the top";
    UnitNotFound = "E0424", Error, "unit_not_found", "a person whose org unit is not among the units";
    ManagerNotInSource = "W0451", Warning, "manager_not_in_source", "a manager who is not among the synced people";
    ManagerAlsoMember = "W0452", Warning, "manager_also_member", "a team lead who would be member and manager of one team";

    InvalidTestKey = "E0501", Error, "invalid_test_key", "a test expects something that cannot be checked";
    TestFailed = "E0502", Error, "test_failed", "a mapping test's expectation does not hold";

    AmbiguousLink = "W0601", Warning, "ambiguous_link", "two records find the same unlinked Winningtemp user; neither links";
    AmbiguousMatch = "W0602", Warning, "ambiguous_match", "one record finds several unlinked Winningtemp users; none links";
    UsernameTaken = "W0603", Warning, "username_taken", "a create or rename would take a username another user keeps";
    ProtectedMatch = "W0604", Warning, "protected_match", "a record names a person a skipped or quarantined record protects";
    UnknownGroup = "W0605", Warning, "unknown_group", "a membership or connection names a team or segment nobody has";
}
