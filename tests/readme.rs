//! The README's table of checks quotes each rule's limits as config lines (`field = value`):
//! every one must be a field of the configuration, at its default.

use liftcheck::analysis::config::Config;

/// The rows of the README's table of checks.
fn checks_table(readme: &str) -> Vec<&str> {
    let header = "| check | what liftcheck reads |";
    let start = readme.find(header).expect("the README has its table of checks");
    readme[start..]
        .lines()
        .skip(2)
        .take_while(|line| line.starts_with('|'))
        .collect()
}

#[test]
fn the_readmes_limits_are_the_configs_defaults() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README.md");
    let defaults: toml::Table =
        toml::from_str(&toml::to_string(&Config::default()).expect("defaults serialise")).expect("defaults parse");
    let rows = checks_table(&readme);
    assert!(rows.len() >= 10, "{} rows in the table of checks", rows.len());
    let mut quoted = 0;
    for row in rows {
        // Code spans are the odd pieces between backticks.
        for span in row.split('`').skip(1).step_by(2) {
            if !span.contains('=') {
                continue;
            }
            let line: toml::Table =
                toml::from_str(span).unwrap_or_else(|e| panic!("README's `{span}` is no config line: {e}"));
            for (field, value) in line {
                assert_eq!(
                    defaults.get(&field),
                    Some(&value),
                    "README's `{span}` against the default"
                );
                quoted += 1;
            }
        }
    }
    assert!(quoted >= 20, "only {quoted} limits quoted in the table of checks");
}
