//! A chain list as a compact table that scrolls through any number of chains: the worker
//! filters, picks and sorts them and sends the rows around what is in view; the page draws
//! only those, between two spacers that give the scroll bar its full length. A row opens the
//! chain's card below the table.

use super::chain_card::ChainCard;
use crate::format;
use crate::hooks::use_worker::AppContext;
use crate::protocol::{ChainPage, ChainQuery, ChainRow, ListKind};
use crate::state::{Action, Shared};
use copyexec_core::story::graph::thousands;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;
use yew::prelude::*;

/// Height of a row, px (as `.chain-table tbody tr` in app.css): the spacers' heights and the
/// row in view are computed from it.
const ROW_H: f64 = 34.0;
/// Rows in view in the scroll box (its height in app.css is 14 rows).
const IN_VIEW: usize = 14;
/// Rows drawn beyond the view on either side, so a short scroll shows rows at once.
const DRAWN_AROUND: usize = 10;
/// Rows asked for beyond the view on either side, so most scrolls need no new page.
const ASKED_AROUND: usize = 120;

/// Properties.
#[derive(Properties, PartialEq)]
pub struct Props {
    /// Which list.
    pub list: ListKind,
}

fn set_height(node: &NodeRef, px: f64) {
    if let Some(el) = node.cast::<HtmlElement>() {
        // CSSOM, not a style attribute: the Content-Security-Policy allows no inline style.
        let _ = el.style().set_property("height", &format!("{px:.0}px"));
    }
}

/// The query this list asks for, its rows aside.
fn base_query(ctx: &AppContext, list: ListKind) -> ChainQuery {
    let s = &ctx.state;
    match list {
        ListKind::Kept => ChainQuery {
            list,
            filter: s.filter.clone(),
            field: s.filter_field,
            sort: s.sort,
            pick: s.pick.clone(),
            ..ChainQuery::default()
        },
        // Suppressed chains are listed whole, in time order.
        ListKind::Suppressed => ChainQuery {
            list,
            ..ChainQuery::default()
        },
    }
}

/// Whether two queries list the same chains in the same order (the rows asked for aside).
fn same_list(a: &ChainQuery, b: &ChainQuery) -> bool {
    a.list == b.list
        && a.filter == b.filter
        && a.field == b.field
        && a.sort == b.sort
        && a.pick == b.pick
}

/// Whether `page` holds rows `first .. first + IN_VIEW` (or all there are of them).
fn covers(page: &ChainPage, first: usize) -> bool {
    let end = page.query.offset + page.rows.len();
    let want_end = (first + IN_VIEW).min(page.matched);
    page.query.offset <= first.min(page.matched) && want_end <= end
}

/// The table.
#[function_component(ChainTable)]
pub fn chain_table(props: &Props) -> Html {
    let ctx = use_context::<AppContext>().expect("app context");
    let list = props.list;
    let scroll_ref = use_node_ref();
    let top_ref = use_node_ref();
    let bottom_ref = use_node_ref();
    // First row in view.
    let first = use_state(|| 0usize);
    // The last query sent, rows aside, and the number of the next.
    let asked = use_mut_ref(|| (None::<(u32, ChainQuery)>, 0u32));
    let state = &ctx.state;
    let page = match list {
        ListKind::Kept => state.kept.clone(),
        ListKind::Suppressed => state.suppressed.clone(),
    };
    let base = base_query(&ctx, list);
    let seq = state.result.as_ref().map(|r| r.seq);
    let asked_for = base.clone();
    // Ask for the rows around the view when the page shown does not hold them; a new result
    // or query starts at the top.
    {
        let ctx = ctx.clone();
        let asked = asked.clone();
        let first_state = first.clone();
        let scroll_ref = scroll_ref.clone();
        use_effect_with(
            (seq, asked_for, *first, page.clone().map(Shared)),
            move |(seq, base, first, page)| {
                let Some(seq) = *seq else {
                    return;
                };
                let same = |q: &ChainQuery| same_list(q, base);
                let mut asked = asked.borrow_mut();
                let mut first = *first;
                let known = asked.0.as_ref().is_some_and(|(s, q)| *s == seq && same(q));
                if !known && *first_state != 0 {
                    first = 0;
                    first_state.set(0);
                    if let Some(el) = scroll_ref.cast::<web_sys::Element>() {
                        el.set_scroll_top(0);
                    }
                }
                let shown = page
                    .as_ref()
                    .is_some_and(|p| same(&p.query) && covers(p, first));
                let wanted = ChainQuery {
                    req: 0,
                    offset: first.saturating_sub(ASKED_AROUND),
                    limit: IN_VIEW + 2 * ASKED_AROUND,
                    ..base.clone()
                };
                let asking = Some((seq, wanted.clone()));
                let answered = page.as_ref().map(|p| (p.seq, p.query.req)) == Some((seq, asked.1));
                if shown || (asked.0 == asking && !answered) {
                    return;
                }
                asked.1 += 1;
                asked.0 = asking;
                ctx.query_chains(ChainQuery {
                    req: asked.1,
                    ..wanted
                });
            },
        );
    }
    let (matched, offset, rows): (usize, usize, &[ChainRow]) = match &page {
        Some(p) => (p.matched, p.query.offset, &p.rows),
        None => (0, 0, &[]),
    };
    // A list that shrank, or rows a little taller than ROW_H, must not leave the view past
    // the last row.
    let first_row = (*first).min(matched.saturating_sub(IN_VIEW));
    let from = first_row.saturating_sub(DRAWN_AROUND).max(offset);
    let to = (first_row + IN_VIEW + DRAWN_AROUND).min(offset + rows.len());
    let drawn = if from < to {
        &rows[from - offset..to - offset]
    } else {
        &rows[..0]
    };
    let above = if from < to { from } else { 0 };
    let below = matched.saturating_sub(above + drawn.len());
    {
        let (top_ref, bottom_ref) = (top_ref.clone(), bottom_ref.clone());
        use_effect_with((above, below), move |(above, below)| {
            set_height(&top_ref, *above as f64 * ROW_H);
            set_height(&bottom_ref, *below as f64 * ROW_H);
        });
    }
    let on_scroll = {
        let first = first.clone();
        let last_first = matched.saturating_sub(IN_VIEW);
        Callback::from(move |e: Event| {
            let Some(el) = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            else {
                return;
            };
            let row = ((el.scroll_top() as f64 / ROW_H).floor().max(0.0) as usize).min(last_first);
            if row != *first {
                first.set(row);
            }
        })
    };
    let Some(page) = page.clone() else {
        return html! {};
    };
    // Rows asked for and not shown yet (a hook for tests and a cue for the styles).
    let pending = !(same_list(&page.query, &base) && covers(&page, first_row));
    let open_id = state
        .open
        .as_ref()
        .filter(|(l, _)| *l == list)
        .map(|(_, id)| id.clone());
    let open_chain = state
        .open_chain
        .clone()
        .filter(|c| open_id.as_deref() == Some(c.id.as_str()));
    let suppressed = list == ListKind::Suppressed;
    let columns = "8";
    let row_testid = if suppressed {
        "suppressed-chain"
    } else {
        "chain"
    };
    let toggle = |id: &str| {
        let ctx = ctx.clone();
        let id = id.to_string();
        let open = open_id.as_deref() == Some(id.as_str());
        Callback::from(move |()| ctx.open_chain((!open).then(|| (list, id.clone()))))
    };
    let reason = |rule: &str| -> String {
        state
            .result
            .as_ref()
            .and_then(|r| r.allowlist.as_ref())
            .and_then(|a| a.rules.iter().find(|r| r.id == rule))
            .map(|r| format!("{} ({})", r.reason, r.source))
            .unwrap_or_default()
    };
    let on_key = |id: &str| {
        let toggle = toggle(id);
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" || e.key() == " " {
                e.prevent_default();
                toggle.emit(());
            }
        })
    };
    let body = drawn.iter().map(|r| {
        let open = open_id.as_deref() == Some(r.id.as_str());
        html! {
            <tr data-testid={row_testid} data-chain-id={r.id.clone()} tabindex="0"
                class={classes!("chain-row", open.then_some("open"))} aria-expanded={open.to_string()}
                onclick={toggle(&r.id).reform(|_: MouseEvent| ())} onkeydown={on_key(&r.id)}>
                <td class="chain-id-cell"><span class="chain-id">{ r.id.clone() }</span></td>
                <td class="nowrap" title={format::stamp_short(&r.start)}>{ format::stamp_seconds(&r.start) }</td>
                <td data-testid="chain-device" title={r.device_name.clone()}>{ r.device_name.clone() }</td>
                <td class="mono" data-testid="chain-file" title={r.file_name.clone()}>{ r.file_name.clone() }</td>
                <td class="mono" data-testid="chain-path" title={r.folder_path.clone()}>{ r.folder_path.clone() }</td>
                <td class="mono" data-testid="chain-ips" title={r.remote_ips.join(", ")}>{ r.remote_ips.join(", ") }</td>
                <td data-testid="chain-accounts" title={r.accounts.join(", ")}>{ r.accounts.join(", ") }</td>
                if suppressed {
                    <td class="rules"><div class="rules-in">
                        { for r.suppressed_by.iter().map(|rule| html! {
                            <span data-testid="suppressed-rule" data-rule={rule.clone()} title={reason(rule)}
                                class="badge badge-aside">{ rule.clone() }</span>
                        }) }
                        <button type="button" class="btn btn-small" data-testid="show-suppressed"
                            aria-expanded={open.to_string()}>{ if open { "Hide" } else { "Show" } }</button>
                    </div></td>
                } else {
                    <td class="num">{ r.events }</td>
                }
            </tr>
        }
    });
    let clear_pick = {
        let ctx = ctx.clone();
        Callback::from(move |_: MouseEvent| ctx.dispatch(Action::Pick(None)))
    };
    let title = if suppressed {
        format!(
            "Suppressed by the allowlist ({})",
            thousands(page.total as u64)
        )
    } else {
        "Chains".to_string()
    };
    html! {
        <section class={if suppressed { "suppressed" } else { "chains" }}
            aria-label={title.clone()} data-testid={if suppressed { "suppressed-list" } else { "chain-list" }}
            data-matched={matched.to_string()} data-pending={if pending { "1" } else { "0" }}>
            <h2 class="section-title">
                { title }
                if !suppressed {
                    if let Some(p) = &state.pick {
                        <span class="pick" data-testid="pick">
                            { format!(" · {} ({} chains) ", p.label, page.picked.unwrap_or(0)) }
                            <button type="button" class="link" onclick={clear_pick}>{ "show all" }</button>
                        </span>
                    }
                    if matched != page.total {
                        <span class="muted small" data-testid="filtered-count">{ format!(" · {} of {} match", thousands(matched as u64), thousands(page.total as u64)) }</span>
                    } else {
                        <span class="muted small">{ format!(" · {}", thousands(matched as u64)) }</span>
                    }
                }
            </h2>
            if suppressed {
                <p class="muted small">{ "Chains every query row of which an allowlist rule set aside. They are not counted above; nothing is hidden: open any of them." }</p>
            }
            if page.total == 0 {
                <div class="empty">
                    <p><strong>{ "No copy → execute chain at this tolerance." }</strong></p>
                    <p class="muted">{ "Check “Files read” below: each of the four tables must be present, and connections, logons, writes and starts must fall within the tolerance after a connection on port 445." }</p>
                </div>
            } else if matched == 0 {
                <p class="empty muted">{ "No chain matches the filter." }</p>
            } else {
                <div class="chain-scroll" ref={scroll_ref} onscroll={on_scroll} tabindex="-1">
                    <table class="chain-table">
                        <thead><tr>
                            <th scope="col" class="col-id">{ "Chain" }</th><th scope="col" class="col-time">{ "Start (UTC)" }</th>
                            <th scope="col" class="col-device">{ "Device" }</th><th scope="col" class="col-file">{ "File" }</th>
                            <th scope="col" class="col-path">{ "Path" }</th><th scope="col" class="col-ips">{ "From" }</th>
                            <th scope="col" class="col-accounts">{ "Accounts" }</th>
                            if suppressed { <th scope="col" class="col-rules">{ "Set aside by" }</th> }
                            else { <th scope="col" class="num col-events">{ "Events" }</th> }
                        </tr></thead>
                        <tbody>
                            // A row without cells takes no height: the spacer is a cell.
                            <tr class="spacer" aria-hidden="true"><td ref={top_ref} colspan={columns}></td></tr>
                            { for body }
                            <tr class="spacer" aria-hidden="true"><td ref={bottom_ref} colspan={columns}></td></tr>
                        </tbody>
                    </table>
                </div>
            }
            if let Some(chain) = open_chain {
                <ChainCard key={chain.id.as_str()} chain={Shared(chain.clone())} suppressed={suppressed} />
            }
        </section>
    }
}
