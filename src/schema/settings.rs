//! The keys a `source KIND { … }` or `target KIND { … }` block accepts.

/// What a setting's value must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingType {
    /// A text (`"https://…"` or `env("…")`).
    Text,
    /// An integer.
    Int,
    /// `true`/`false` (`on`/`off`).
    Bool,
    /// A list of texts (`["1010", "1020"]`).
    TextList,
    /// A nested block with these fixed keys (`sftp { host = … }`).
    Block(&'static [SettingDef]),
    /// A nested block whose keys are target attribute names and whose values are texts
    /// (`attributes { employed_since = "urn:…:employedSince" }`).
    AttributeMap,
    /// A nested block with free keys and text values (`columns { … }`).
    Map,
}

impl SettingType {
    /// How the type reads in diagnostics.
    pub fn describe(self) -> &'static str {
        match self {
            SettingType::Text => "text",
            SettingType::Int => "an int",
            SettingType::Bool => "a bool",
            SettingType::TextList => "a list of texts",
            SettingType::Block(_) => "a block `{ … }`",
            SettingType::AttributeMap => "a block of `attribute = \"…\"` lines",
            SettingType::Map => "a block of `name = \"…\"` lines",
        }
    }
}

/// One settings key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SettingDef {
    /// The key as written.
    pub key: &'static str,
    /// Its type.
    pub ty: SettingType,
    /// Must be given.
    pub required: bool,
    /// A credential: must come from `env("…")`, never a literal in the mapping.
    pub secret: bool,
    /// One line for the docs.
    pub doc: &'static str,
    /// The value used when the key is absent, as written in a mapping; `None` when there is no
    /// fixed default (required, or worked out at run time as the doc says).
    pub default: Option<&'static str>,
    /// The only values a text setting accepts; empty when any text goes.
    pub values: &'static [&'static str],
    /// Inclusive bounds of an int setting.
    pub range: Option<(i64, i64)>,
}

impl SettingDef {
    const fn new(key: &'static str, ty: SettingType, doc: &'static str) -> SettingDef {
        SettingDef {
            key,
            ty,
            required: false,
            secret: false,
            doc,
            default: None,
            values: &[],
            range: None,
        }
    }

    /// An optional text setting.
    pub const fn text(key: &'static str, doc: &'static str) -> SettingDef {
        SettingDef::new(key, SettingType::Text, doc)
    }

    /// An optional int setting.
    pub const fn int(key: &'static str, doc: &'static str) -> SettingDef {
        SettingDef::new(key, SettingType::Int, doc)
    }

    /// An optional bool setting.
    pub const fn bool(key: &'static str, doc: &'static str) -> SettingDef {
        SettingDef::new(key, SettingType::Bool, doc)
    }

    /// An optional setting of any type.
    pub const fn of(key: &'static str, ty: SettingType, doc: &'static str) -> SettingDef {
        SettingDef::new(key, ty, doc)
    }

    /// Must be given.
    pub const fn required(mut self) -> SettingDef {
        self.required = true;
        self
    }

    /// A credential: required to come from `env("…")`.
    pub const fn secret(mut self) -> SettingDef {
        self.secret = true;
        self
    }

    /// The value used when absent.
    pub const fn default(mut self, default: &'static str) -> SettingDef {
        self.default = Some(default);
        self
    }

    /// The accepted values of a text setting.
    pub const fn values(mut self, values: &'static [&'static str]) -> SettingDef {
        self.values = values;
        self
    }

    /// Inclusive bounds of an int setting.
    pub const fn range(mut self, min: i64, max: i64) -> SettingDef {
        self.range = Some((min, max));
        self
    }
}

/// The setting called `key` among `settings`.
pub fn find<'a>(settings: &'a [SettingDef], key: &str) -> Option<&'a SettingDef> {
    settings.iter().find(|s| s.key == key)
}

/// A named configuration value from a `source` or `target` block.
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigValue {
    /// A literal text.
    Text(String),
    /// `env("NAME")`: read at run time, never printed.
    Env(String),
    /// A number.
    Int(i64),
    /// A flag.
    Bool(bool),
    /// A list of texts.
    List(Vec<String>),
    /// A nested block.
    Block(Vec<(String, ConfigValue)>),
}

/// `source KIND { … }` or `target NAME { … }` after checking.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Endpoint {
    /// `flex`, `winningtemp.scim`, …
    pub kind: String,
    /// Settings as written (defaults are applied by whoever uses them).
    pub settings: Vec<(String, ConfigValue)>,
}

impl Endpoint {
    /// A setting by key.
    pub fn get(&self, key: &str) -> Option<&ConfigValue> {
        self.settings.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}
