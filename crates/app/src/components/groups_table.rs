//! The files, rarest first: chains of the same file (SHA256, else SHA1, else MD5, else the
//! name) as one row, the groups that touched the fewest hosts first. A row lists its chains.

use crate::hooks::use_worker::AppContext;
use crate::protocol::{GroupRow, Pick, Picked};
use crate::state::Action;
use copyexec_core::story::graph::thousands;
use yew::prelude::*;

/// Groups shown before "show all": a fleet has a handful, a worm thousands.
const SHOWN: usize = 100;

fn when(g: &GroupRow) -> String {
    let short = |t: &str| t.get(..16).unwrap_or(t).replace('T', " ");
    if g.first.get(..16) == g.last.get(..16) {
        short(&g.first)
    } else if g.first.get(..10) == g.last.get(..10) {
        format!("{}–{}", short(&g.first), g.last.get(11..16).unwrap_or(""))
    } else {
        format!("{} – {}", short(&g.first), short(&g.last))
    }
}

/// The table.
#[function_component(GroupsTable)]
pub fn groups_table() -> Html {
    let ctx = use_context::<AppContext>().expect("app context");
    let all = use_state(|| false);
    let Some(result) = ctx.state.result.clone() else {
        return html! {};
    };
    let groups = &result.story.groups;
    if groups.is_empty() {
        return html! {};
    }
    let picked = ctx.state.pick.as_ref().map(|p| p.label.clone());
    let shown = if *all {
        groups.len()
    } else {
        SHOWN.min(groups.len())
    };
    let rows = groups.iter().take(shown).map(|g| {
        let label = format!("group {} ({})", g.id, g.file_name);
        let onclick = {
            let ctx = ctx.clone();
            let pick = Pick {
                label: label.clone(),
                picked: Picked::Group(g.id.clone()),
            };
            Callback::from(move |_: MouseEvent| ctx.dispatch(Action::Pick(Some(pick.clone()))))
        };
        html! {
            <tr data-testid="group" data-group={g.id.clone()}
                class={classes!(g.suppressed.then_some("suppressed"), (picked.as_deref() == Some(label.as_str())).then_some("picked"))}>
                <td><button type="button" class="link" onclick={onclick} title="List these chains">{ g.id.clone() }</button></td>
                <td class="mono">{ g.file_name.clone() }
                    if g.suppressed { <span class="badge">{ "suppressed" }</span> }
                </td>
                <td>{ g.from.clone() }</td>
                <td>{ g.to.clone() }</td>
                <td class="num">{ thousands(g.chains as u64) }</td>
                <td class="nowrap">{ when(g) }</td>
                <td>{ g.accounts.join(", ") }</td>
                <td class="mono small" title={g.key.clone()}>{ format!("{} {}", g.identity.as_str(), g.key.chars().take(16).collect::<String>()) }</td>
            </tr>
        }
    });
    let show_all = {
        let all = all.clone();
        Callback::from(move |_| all.set(true))
    };
    html! {
        <section class="groups" aria-labelledby="groups-title">
            <h2 id="groups-title" class="section-title">{ format!("Files, rarest first ({})", thousands(groups.len() as u64)) }</h2>
            <div class="table-scroll">
                <table class="groups-table">
                    <thead><tr>
                        <th scope="col">{ "Group" }</th><th scope="col">{ "File" }</th><th scope="col">{ "From" }</th>
                        <th scope="col">{ "To" }</th><th scope="col" class="num">{ "Chains" }</th><th scope="col">{ "When (UTC)" }</th>
                        <th scope="col">{ "Accounts" }</th><th scope="col">{ "Identity" }</th>
                    </tr></thead>
                    <tbody>{ for rows }</tbody>
                </table>
            </div>
            if shown < groups.len() {
                <button type="button" class="btn" onclick={show_all}>{ format!("Show all {} groups", thousands(groups.len() as u64)) }</button>
            }
        </section>
    }
}
