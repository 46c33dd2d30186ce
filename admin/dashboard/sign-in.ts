/** The sign-in screen: the key is checked against the API before it is kept. */
import { h, type ComponentChild } from 'preact';
import { useState } from 'preact/hooks';
import { AuthError, createApi } from './api.ts';
import { EMPTY_FILTERS } from './types.ts';

interface SignInProps {
  message: string | null;
  onSignIn: (key: string) => void;
}

export function SignIn({ message, onSignIn }: SignInProps): ComponentChild {
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(e: Event) {
    // The form never submits natively: a GET form would put the key in the URL.
    e.preventDefault();
    const value = key.trim();
    if (!value) return setError('Enter the master key.');
    setBusy(true);
    setError(null);
    try {
      await createApi(value).requests(EMPTY_FILTERS, null, 1);
      onSignIn(value);
    } catch (err) {
      setError(err instanceof AuthError ? err.message : `Could not reach the admin API: ${(err as Error).message}`);
    } finally {
      setBusy(false);
    }
  }

  const shown = error ?? message;
  return h(
    'main',
    { class: 'signin' },
    h(
      'form',
      { class: 'signin-card', method: 'post', action: '#', onSubmit: submit, autocomplete: 'off' },
      h('div', { class: 'signin-brand' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }), 'Aurora'),
      h('h1', null, 'Audit dashboard'),
      h('p', { class: 'muted' }, 'Sign in with the gateway’s master key. It stays in this tab’s session storage and is sent only as an Authorization header.'),
      // For password managers: a key field alone is not recognised as a sign-in form.
      h('input', { type: 'text', name: 'username', autocomplete: 'username', value: 'aurora-admin', readOnly: true, hidden: true }),
      h('label', { for: 'master-key' }, 'Master key'),
      h('input', {
        id: 'master-key',
        name: 'master-key',
        type: 'password',
        autocomplete: 'current-password',
        spellcheck: false,
        autofocus: true,
        value: key,
        onInput: (e: Event) => setKey((e.currentTarget as HTMLInputElement).value),
        placeholder: 'AURORA_MASTER_KEY',
      }),
      shown ? h('p', { class: error ? 'form-error' : 'form-note', role: 'alert' }, shown) : null,
      h('button', { type: 'submit', class: 'btn btn-primary', disabled: busy }, busy ? 'Checking…' : 'Sign in'),
    ),
  );
}
