//! Scenario tests on generated keypoint sequences.

use super::synth::{self, Fault, Lift, Spec};
use super::*;

fn run(spec: &Spec) -> Analysis {
    run_with(spec, LiftVariant::Auto, &Config::default())
}

fn run_with(spec: &Spec, variant: LiftVariant, cfg: &Config) -> Analysis {
    let clip = synth::generate(spec);
    match analyze(&clip.input(), variant, cfg) {
        Ok(a) => a,
        Err(e) => panic!("analysis failed: {e}"),
    }
}

#[test]
#[ignore]
fn debug_print() {
    let spec = Spec::default();
    let a = run(&spec);
    eprintln!("{:#?}", a.view);
    eprintln!("variant {:?} reps {}", a.variant, a.reps.len());
    for r in &a.reps {
        eprintln!("{:?}", r);
    }
    for f in &a.findings {
        eprintln!("{:?}", f);
    }
    for n in &a.not_assessable {
        eprintln!("{:?}", n);
    }
}
