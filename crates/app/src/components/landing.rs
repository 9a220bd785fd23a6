//! The first view: what the tool does, where to put the files, the sample, reading options.

use super::drop_zone::DropZone;
use super::reading_options::ReadingOptions;
use yew::prelude::*;

/// The landing view.
#[function_component(Landing)]
pub fn landing() -> Html {
    html! {
        <div class="landing">
            <section class="hero">
                <h1>{ "Did someone copy a program onto this machine over SMB and run it?" }</h1>
                <p class="lead">
                    { "Drop the Defender for Endpoint exports of an incident and copyexec runs Microsoft's " }
                    <q>{ "File Copy and Execution" }</q>
                    { " hunting query on them, showing every inbound connection → logon → file write → process start chain on a timeline. " }
                    <strong>{ "Your files never leave this browser." }</strong>
                </p>
            </section>
            <DropZone />
            <section class="help-grid">
                <div class="help-card">
                    <h2>{ "What to export" }</h2>
                    <p>{ "Rows of the four Advanced Hunting tables the query joins, for the devices and time range of interest:" }</p>
                    <ul class="tables-list">
                        <li><code>{ "DeviceNetworkEvents" }</code><span>{ "inbound SMB connections (port 445)" }</span></li>
                        <li><code>{ "DeviceLogonEvents" }</code><span>{ "logons from the connecting address" }</span></li>
                        <li><code>{ "DeviceFileEvents" }</code><span>{ "files written by the SMB server (System)" }</span></li>
                        <li><code>{ "DeviceProcessEvents" }</code><span>{ "processes started from those paths" }</span></li>
                    </ul>
                </div>
                <div class="help-card">
                    <h2>{ "Formats read" }</h2>
                    <p>{ "Defender portal CSV (old and new), Sentinel / Log Analytics CSV, Advanced Hunting API and Graph JSON, Streaming API JSON, JSON rows — plain, gzip or zip, one file per table or all in one. Tables are recognised from their content, not their names." }</p>
                </div>
                <ReadingOptions reload={false} />
            </section>
        </div>
    }
}
