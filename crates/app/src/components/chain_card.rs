//! One chain: what was copied where, from whom, its timeline and its events.

use super::chain_timeline::{events, lane, ChainTimeline, LANES};
use crate::format;
use crate::hooks::use_worker::AppContext;
use crate::state::Shared;
use copyexec_core::chains::{Chain, Event};
use copyexec_core::schema::Table;
use yew::prelude::*;

/// Properties.
#[derive(Properties, PartialEq)]
pub struct Props {
    /// The chain, as the worker sent it for its card.
    pub chain: Shared<Chain>,
    /// A chain the allowlist suppressed.
    #[prop_or_default]
    pub suppressed: bool,
}

/// A key value of an event.
pub fn key<'a>(e: &'a Event, name: &str) -> &'a str {
    e.key
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// One line saying what an event is.
pub fn describe(e: &Event) -> String {
    match e.table {
        Table::DeviceNetworkEvents => format!(
            "{}:{} → port 445 ({})",
            key(e, "RemoteIP"),
            key(e, "RemotePort"),
            key(e, "Protocol")
        ),
        Table::DeviceLogonEvents => {
            let domain = key(e, "AccountDomain");
            let name = key(e, "AccountName");
            let account = if domain.is_empty() {
                name.to_string()
            } else {
                format!("{domain}\\{name}")
            };
            let from = key(e, "RemoteIP");
            format!(
                "{} {} from {}",
                key(e, "ActionType"),
                account,
                if from.is_empty() {
                    "(no address)"
                } else {
                    from
                }
            )
        }
        Table::DeviceFileEvents => format!("{} {}", key(e, "ActionType"), key(e, "FolderPath")),
        Table::DeviceProcessEvents => key(e, "ProcessCommandLine").to_string(),
    }
}

/// A chain card.
#[function_component(ChainCard)]
pub fn chain_card(props: &Props) -> Html {
    let ctx = use_context::<AppContext>().expect("app context");
    let hovered = use_state(|| None::<String>);
    let card_ref = use_node_ref();
    {
        // Brought into view when it opens (it draws below the list).
        let card_ref = card_ref.clone();
        use_effect_with(props.chain.id.clone(), move |_| {
            if let Some(el) = card_ref.cast::<web_sys::HtmlElement>() {
                let _ = el.focus();
            }
        });
    }
    let chain = &*props.chain;
    let allowlist = ctx.state.result.as_ref().and_then(|r| r.allowlist.clone());
    let tolerance = ctx
        .state
        .result
        .as_ref()
        .map(|r| r.tolerance)
        .unwrap_or_default();
    let open = {
        let ctx = ctx.clone();
        let chain_id = chain.id.clone();
        Callback::from(move |event_id: String| ctx.select(Some((chain_id.clone(), event_id))))
    };
    let on_hover = {
        let hovered = hovered.clone();
        Callback::from(move |id: Option<String>| hovered.set(id))
    };
    let all = events(chain);
    let focus_event = hovered
        .as_ref()
        .and_then(|id| all.iter().find(|e| &e.id == id).copied());
    let event_count = all.len();
    let reason = |rule: &str| -> String {
        allowlist
            .as_ref()
            .and_then(|a| a.rules.iter().find(|r| r.id == rule))
            .map(|r| r.reason.clone())
            .unwrap_or_default()
    };
    let testid = if props.suppressed {
        "suppressed-chain-card"
    } else {
        "chain-card"
    };
    html! {
        <article class={classes!("chain", props.suppressed.then_some("chain-suppressed"))} data-testid={testid} id={format!("chain-{}", chain.id)} tabindex="-1" ref={card_ref}
            data-chain-id={chain.id.clone()} aria-labelledby={format!("chain-{}-title", chain.id)}>
            <header class="chain-head">
                <div class="chain-title-row">
                    <span class="chain-id">{ chain.id.clone() }</span>
                    <h3 id={format!("chain-{}-title", chain.id)} class="chain-title">
                        <span class="chain-file">{ chain.file_name.clone() }</span>
                        <span class="chain-on">{ " on " }</span>
                        <span class="chain-device">{ chain.device_name.clone() }</span>
                    </h3>
                    <span class="chain-time">{ format::stamp_short(&chain.start.timestamp) }</span>
                </div>
                <dl class="chain-facts">
                    <div><dt>{ "Path" }</dt><dd class="mono">{ chain.folder_path.clone() }</dd></div>
                    <div><dt>{ "From" }</dt><dd class="mono">{ chain.remote_ips.join(", ") }</dd></div>
                    <div><dt>{ "Account" }</dt><dd class="mono">{ chain.accounts.join(", ") }</dd></div>
                    <div><dt>{ "Device id" }</dt><dd class="mono">{ chain.device_id.clone() }</dd></div>
                    if !chain.sha256.is_empty() {
                        <div><dt>{ "SHA256" }</dt><dd class="mono hash">{ chain.sha256.clone() }</dd></div>
                    } else if !chain.sha1.is_empty() {
                        <div><dt>{ "SHA1" }</dt><dd class="mono hash">{ chain.sha1.clone() }</dd></div>
                    } else if !chain.md5.is_empty() {
                        <div><dt>{ "MD5" }</dt><dd class="mono hash">{ chain.md5.clone() }</dd></div>
                    }
                    <div><dt>{ "Span" }</dt><dd>{ format!("{} from first connection to start · {} events · {} query row{}",
                        format::span(chain.span_ticks), event_count, chain.rows.len(), if chain.rows.len() == 1 { "" } else { "s" }) }</dd></div>
                </dl>
                if !chain.set_aside.is_empty() {
                    <div class="set-aside" data-testid="set-aside">
                        <p class="small"><strong>{ format!("{} query row{} set aside by the allowlist",
                            chain.set_aside.len(), if chain.set_aside.len() == 1 { "" } else { "s" }) }</strong>
                            { if props.suppressed { " (all of them: the chain is suppressed)" } else { " (the chain stays for its other rows)" } }</p>
                        <ul class="set-aside-rows">
                            { for chain.set_aside.iter().map(|a| html! {
                                <li class="small">
                                    <span class="mono">{ a.row.join(" · ") }</span>
                                    { " → " }<span class="badge badge-aside">{ a.rule.clone() }</span>
                                    <span class="muted">{ format!(" {}", reason(&a.rule)) }</span>
                                </li>
                            }) }
                        </ul>
                    </div>
                }
                if !chain.notes.is_empty() {
                    <ul class="notes">
                        { for chain.notes.iter().map(|n| html! {
                            <li class="note" data-note={n.code.clone()}>{ n.message.clone() }</li>
                        }) }
                    </ul>
                }
            </header>
            <ChainTimeline chain={props.chain.clone()} tolerance={tolerance} on_open={open.clone()} on_hover={on_hover} />
            <div class="hover-detail" aria-live="polite">
                if let Some(e) = focus_event {
                    <span class="hover-title">{ format!("{} {} · {}", LANES[lane(e.table)], e.id, format::offset(e.offset_ticks)) }</span>
                    { for e.key.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| html! {
                        <span class="kv"><span class="k">{ k.clone() }</span><span class="v">{ v.clone() }</span></span>
                    }) }
                } else {
                    <span class="muted">{ "Hover or focus an event for its key fields; click or press Enter for all of its fields." }</span>
                }
            </div>
            <table class="events">
                <caption class="visually-hidden">{ format!("Events of chain {}", chain.id) }</caption>
                <thead><tr><th scope="col">{ "Offset" }</th><th scope="col">{ "Step" }</th><th scope="col">{ "Event" }</th><th scope="col">{ "What" }</th><th scope="col">{ "Source" }</th></tr></thead>
                <tbody>
                    { for all.iter().map(|e| {
                        let id = e.id.clone();
                        let open = open.clone();
                        let onclick = Callback::from(move |_| open.emit(id.clone()));
                        html! {
                            <tr data-event-id={e.id.clone()}>
                                <td class="num">{ format::offset(e.offset_ticks) }</td>
                                <td><span class={classes!("step", super::chain_timeline::lane_class(e.table))}>{ LANES[lane(e.table)] }</span></td>
                                <td><button type="button" class="link" onclick={onclick}
                                    aria-label={format!("All fields of event {}", e.id)}>{ e.id.clone() }</button></td>
                                <td class="what">{ describe(e) }</td>
                                <td class="source muted">{ format!("{}:{}", e.source.file, e.source.line) }</td>
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
        </article>
    }
}
