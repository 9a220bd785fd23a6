//! The techniques the chains evidence, as an ATT&CK Navigator layer (layer format 4.5).
//!
//! The techniques and the reasons are [`crate::attack::techniques`]'s, the same the HTML
//! report shows: nothing is claimed here that the report does not claim. Each technique is
//! scored by the number of chains that show it; its comment names the devices, and its
//! metadata the chains and the evidence of the first of them.

use crate::attack::{techniques, Part};
use copyexec_core::ChainsDocument;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Layer format written.
pub const LAYER_VERSION: &str = "4.5";
/// Navigator version the layer names (the first to read layer format 4.5).
pub const NAVIGATOR_VERSION: &str = "5.1.0";
/// ATT&CK Enterprise version whose IDs and tactics the techniques were written against.
pub const ATTACK_VERSION: &str = "16";

/// Devices named in a comment, at most; the metadata lists them all.
const DEVICES_IN_COMMENT: usize = 10;

struct Seen {
    tactic: &'static str,
    name: &'static str,
    chains: Vec<String>,
    devices: Vec<String>,
    because: String,
}

fn words(parts: &[Part]) -> String {
    parts
        .iter()
        .map(|p| match p {
            Part::Text(t) => t.to_string(),
            Part::Value(v) => v.clone(),
        })
        .collect()
}

/// The layer of `doc`'s chains, pretty-printed JSON.
pub fn navigator_layer(doc: &ChainsDocument) -> String {
    let mut seen: BTreeMap<&'static str, Seen> = BTreeMap::new();
    let mut order: Vec<&'static str> = Vec::new();
    for chain in &doc.chains {
        let device = if chain.device_name.is_empty() {
            chain.device_id.clone()
        } else {
            chain.device_name.clone()
        };
        for t in techniques(chain) {
            let s = seen.entry(t.id).or_insert_with(|| {
                order.push(t.id);
                Seen {
                    tactic: t.tactic,
                    name: t.name,
                    chains: Vec::new(),
                    devices: Vec::new(),
                    because: words(&t.because),
                }
            });
            s.chains.push(chain.id.clone());
            if !s.devices.contains(&device) {
                s.devices.push(device.clone());
            }
        }
    }
    let max = seen.values().map(|s| s.chains.len()).max().unwrap_or(0);
    let list: Vec<Value> = order
        .iter()
        .map(|id| {
            let s = &seen[id];
            let n = s.chains.len();
            let mut shown: Vec<&str> = s
                .devices
                .iter()
                .take(DEVICES_IN_COMMENT)
                .map(String::as_str)
                .collect();
            let more = s.devices.len().saturating_sub(DEVICES_IN_COMMENT);
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            let on = if shown.is_empty() {
                String::new()
            } else {
                shown.sort_unstable();
                format!(" on {}{more}", shown.join(", "))
            };
            json!({
                "techniqueID": id,
                "tactic": s.tactic,
                "score": n,
                "comment": format!(
                    "{}: {n} chain{}{on}",
                    s.name,
                    if n == 1 { "" } else { "s" }
                ),
                "enabled": true,
                "metadata": [
                    {"name": "chains", "value": s.chains.join(", ")},
                    {"name": "devices", "value": s.devices.join(", ")},
                    {"name": "evidence (first chain)", "value": crate::text::short(&s.because, 1000)},
                ],
            })
        })
        .collect();
    let devices: std::collections::BTreeSet<&str> =
        doc.chains.iter().map(|c| c.device_id.as_str()).collect();
    let layer = json!({
        "name": "copyexec: File Copy and Execution",
        "versions": {
            "layer": LAYER_VERSION,
            "navigator": NAVIGATOR_VERSION,
            "attack": ATTACK_VERSION,
        },
        "domain": "enterprise-attack",
        "description": format!(
            "Techniques evidenced by {} copy→execute chain{} on {} device{} (hunting query \
             File Copy and Execution, ToleranceInSeconds = {}); score = number of chains. \
             Written by copyexec {}.",
            doc.chains.len(),
            if doc.chains.len() == 1 { "" } else { "s" },
            devices.len(),
            if devices.len() == 1 { "" } else { "s" },
            doc.settings.tolerance_seconds,
            doc.tool.version,
        ),
        "sorting": 3,
        // Sub-techniques (T1021.002, T1569.002) are hidden under their parent unless expanded.
        "layout": {
            "layout": "side",
            "showID": true,
            "showName": true,
            "expandedSubtechniques": "annotated",
        },
        "hideDisabled": false,
        "techniques": list,
        "gradient": {
            "colors": ["#ffe766", "#ff6666"],
            "minValue": 0,
            "maxValue": max.max(1),
        },
        "legendItems": [],
        "showTacticRowBackground": false,
        "selectTechniquesAcrossTactics": true,
        "selectSubtechniquesWithParent": false,
    });
    let mut text = serde_json::to_string_pretty(&layer).unwrap_or_default();
    text.push('\n');
    text
}
