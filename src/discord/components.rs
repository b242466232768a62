//! Buttons, menus and modals: each click becomes one core call; its result or its refusal is
//! shown privately to whoever clicked.

use serenity::all::{
    ActionRowComponent, ComponentInteraction, ComponentInteractionDataKind, Context as Serenity, CreateActionRow,
    CreateInputText, CreateInteractionResponse, CreateModal, InputTextStyle, ModalInteraction,
};

use super::ids::Component;
use super::limits::MODAL_INPUT;
use super::render::{self, Rendered};
use super::{Data, Error, identity};
use crate::core::{Confirmed, DeskError, EscalateMode, Escalation};

/// A click on a button or a menu.
pub(super) async fn button(ctx: &Serenity, data: &Data, c: &ComponentInteraction) -> Result<(), Error> {
    let Ok(component) = c.data.custom_id.parse::<Component>() else {
        return Ok(()); // not ours
    };
    // Buttons that open a form answer with the form itself.
    let modal = match component {
        Component::Answer(t) => Some((Component::AnswerModal(t), format!("Répondre au ticket #{t}"), "Votre réponse", true)),
        Component::Clarify(t) => Some((Component::ClarifyModal(t), format!("Précision sur le ticket #{t}"), "Votre question à la personne", true)),
        Component::Duplicate(t) => Some((Component::DuplicateModal(t), format!("Ticket #{t} : doublon de…"), "Numéro du ticket principal", false)),
        Component::Reply(t) => Some((Component::ReplyModal(t), format!("Votre précision (ticket #{t})"), "Votre réponse à l'expert", true)),
        _ => None,
    };
    let roles = c.member.as_ref().map(|m| m.roles.as_slice());
    let user = match identity::user(data, &c.user, roles).await {
        Ok(u) => u,
        Err(e) => return respond(ctx, c, &render::text(&e.to_string())).await,
    };
    if let Some((id, title, label, long)) = modal {
        let expert_form = !matches!(component, Component::Reply(_));
        if expert_form && let Err(refusal) = data.service.require_expert(&user) {
            return respond(ctx, c, &render::text(&refusal.to_string())).await;
        }
        let input = if long {
            CreateInputText::new(InputTextStyle::Paragraph, label, "text").max_length(MODAL_INPUT as u16).required(true)
        } else {
            CreateInputText::new(InputTextStyle::Short, label, "text").max_length(12).required(true)
        };
        let form = CreateModal::new(id.to_string(), title).components(vec![CreateActionRow::InputText(input)]);
        c.create_response(&ctx.http, CreateInteractionResponse::Modal(form)).await?;
        return Ok(());
    }
    let service = &data.service;
    let result: Result<Rendered, DeskError> = match component {
        Component::Helpful(q) => service.feedback(&user, q, true).await.map(|_| render::text("Merci, c'est noté : cette réponse vous a aidé·e.")),
        Component::Unhelpful(q) => service.feedback(&user, q, false).await.map(|_| render::unhelpful(q)),
        Component::Escalate(q) => escalation(service.escalate(&user, q, EscalateMode::Propose).await, q),
        Component::Join(q, t) => escalation(service.escalate(&user, q, EscalateMode::Join(t)).await, q),
        Component::NewTicket(q) => escalation(service.escalate(&user, q, EscalateMode::New).await, q),
        Component::ConfirmYes(q) => match service.confirm(&user, q, true).await {
            Ok(Confirmed::Answered(reply)) => Ok(render::reply(&reply, q)),
            Ok(Confirmed::Escalated(e)) => escalation(Ok(e), q),
            Err(e) => Err(e),
        },
        Component::ConfirmNo(q) => match service.confirm(&user, q, false).await {
            Ok(Confirmed::Escalated(e)) => escalation(Ok(e), q),
            Ok(Confirmed::Answered(reply)) => Ok(render::reply(&reply, q)),
            Err(e) => Err(e),
        },
        Component::Alternatives(_) => {
            let slug = match &c.data.kind {
                ComponentInteractionDataKind::StringSelect { values } => values.first().cloned().unwrap_or_default(),
                _ => String::new(),
            };
            match service.bot().article_reply(&slug, crate::app::today()) {
                Some(reply) => Ok(render::reply(&reply, 0).without_components()),
                None => Err(DeskError::NotFound("Cette fiche n'est plus disponible.".into())),
            }
        }
        Component::Claim(t) => service.claim(&user, t).await.map(|_| render::text(&format!("Vous avez pris en charge le ticket #{t}."))),
        Component::Close(t) => service.close(&user, t).await.map(|_| render::text(&format!("Le ticket #{t} est fermé."))),
        _ => return Ok(()),
    };
    respond(ctx, c, &outcome(result)).await
}

fn escalation(result: Result<Escalation, DeskError>, question_id: i64) -> Result<Rendered, DeskError> {
    Ok(match result? {
        Escalation::Opened { ticket_id } => render::text(&format!(
            "Votre question est transmise aux experts : ticket #{ticket_id}. Vous recevrez la réponse en message privé (ou ici si vos messages privés sont fermés)."
        )),
        Escalation::Joined { ticket_id } => render::text(&format!(
            "Votre question rejoint le ticket #{ticket_id} : vous recevrez la même réponse que les autres personnes qui l'ont posée."
        )),
        Escalation::Already { ticket_id } => render::text(&format!("Cette question est déjà entre les mains des experts : ticket #{ticket_id}.")),
        Escalation::Proposed { similar } => render::proposal(question_id, &similar),
    })
}

fn outcome(result: Result<Rendered, DeskError>) -> Rendered {
    result.unwrap_or_else(|e| {
        if e.is_internal() {
            tracing::error!(error = ?e, "Discord action failed");
        }
        render::text(&e.to_string())
    })
}

async fn respond(ctx: &Serenity, c: &ComponentInteraction, rendered: &Rendered) -> Result<(), Error> {
    c.create_response(&ctx.http, CreateInteractionResponse::Message(rendered.interaction(true))).await?;
    Ok(())
}

/// A submitted form.
pub(super) async fn modal(ctx: &Serenity, data: &Data, m: &ModalInteraction) -> Result<(), Error> {
    let Ok(component) = m.data.custom_id.parse::<Component>() else {
        return Ok(());
    };
    let text = m
        .data
        .components
        .iter()
        .flat_map(|row| row.components.iter())
        .find_map(|c| match c {
            ActionRowComponent::InputText(input) if input.custom_id == "text" => input.value.clone(),
            _ => None,
        })
        .unwrap_or_default();
    let roles = m.member.as_ref().map(|member| member.roles.as_slice());
    let service = &data.service;
    let notice = service.privacy_notice(&text).map(|n| format!("\n{n}")).unwrap_or_default();
    let result = match identity::user(data, &m.user, roles).await {
        Err(e) => Err(e),
        Ok(user) => match component {
            Component::AnswerModal(t) => service.answer(&user, t, &text).await.map(|_| {
                render::text(&format!("Réponse enregistrée pour le ticket #{t} : elle est envoyée aux personnes qui l'attendent et le bot la connaît désormais.{notice}"))
            }),
            Component::ClarifyModal(t) => service
                .clarify(&user, t, &text)
                .await
                .map(|_| render::text(&format!("Votre demande de précision est envoyée (ticket #{t}).{notice}"))),
            Component::ReplyModal(t) => service
                .reply(&user, t, &text)
                .await
                .map(|_| render::text(&format!("Merci, votre précision est transmise à l'expert (ticket #{t}).{notice}"))),
            Component::DuplicateModal(t) => match text.trim().trim_start_matches('#').parse::<i64>() {
                Ok(of) => service.merge(&user, t, of).await.map(|_| render::text(&format!("Le ticket #{t} est marqué comme doublon du #{of}."))),
                Err(_) => Err(DeskError::NotFound(format!("« {} » n'est pas un numéro de ticket.", text.trim()))),
            },
            _ => return Ok(()),
        },
    };
    m.create_response(&ctx.http, CreateInteractionResponse::Message(outcome(result).interaction(true))).await?;
    Ok(())
}
