// SPDX-License-Identifier: Apache-2.0
/**
 * Identities and names: {@link io.peercollab.identity.PeerIdentity} (a key pair with a self-signed certificate,
 * saved as PKCS#12) and {@link io.peercollab.identity.PeerName}, whose authority is derived from the public key.
 */
@NullMarked
package io.peercollab.identity;

import org.jspecify.annotations.NullMarked;
