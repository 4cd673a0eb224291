-- One-time secrets (password-reset codes) leave the readable text of messages: a message stores
-- its text and template variables with '••••••' in the secret's place, and the secret apart,
-- encrypted by the vault (AAD notifications.secret_enc.<id>); the sender puts it back only in
-- the request to the WhatsApp provider.
alter table notifications add column secret_enc bytea;

-- Reset messages written before this change hold their code in clear: scrub it. A code of a
-- message not sent yet cannot be put back (it was never sealed), so such a message is failed
-- rather than sent with the mask; the person asks for a new code.
update notifications
   set rendered_body = regexp_replace(rendered_body, '[0-9]{6}', '••••••', 'g'),
       template_variables = case when template_variables is null then null
                                 else jsonb_build_object('1', '••••••') end
 where kind = 'password_reset';

update notifications
   set status = 'failed', failed_at = now(), next_attempt_at = null,
       last_error = 'código retirado del texto guardado: se debe pedir uno nuevo'
 where kind = 'password_reset' and status in ('pending', 'sending') and secret_enc is null;
