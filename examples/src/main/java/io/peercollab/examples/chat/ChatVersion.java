// SPDX-License-Identifier: Apache-2.0
package io.peercollab.examples.chat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

import picocli.CommandLine.IVersionProvider;

/**
 * What {@code chat --version} prints: the version this chat was built as and the commit it was built from, both
 * written into {@code version.properties} by the build. A build outside a Git checkout has no commit: it says
 * {@code unknown}.
 */
public final class ChatVersion implements IVersionProvider {

	/** An unset build property stays as its {@code ${...}} expression after resource filtering. */
	private static final String UNKNOWN = "unknown";

	@Override
	public String[] getVersion() {
		Properties p = load();
		String commit = value(p, "commit");
		String dirty = "true".equals(value(p, "dirty")) ? ", with uncommitted changes" : "";
		return new String[] { "peercollab-chat " + value(p, "version") + " (commit " + commit
				+ (commit.equals(UNKNOWN) ? "" : dirty) + ")" };
	}

	private static Properties load() {
		Properties p = new Properties();
		try (InputStream in = ChatVersion.class.getResourceAsStream("version.properties")) {
			if (in != null) {
				p.load(in);
			}
		}
		catch (IOException e) {
			throw new UncheckedIOException("cannot read the chat's version.properties", e);
		}
		return p;
	}

	private static String value(Properties p, String key) {
		String v = p.getProperty(key, "").strip();
		return v.isEmpty() || v.startsWith("${") ? UNKNOWN : v;
	}
}
