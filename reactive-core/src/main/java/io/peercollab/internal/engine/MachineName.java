// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.engine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

import io.peercollab.PeerEndPoint;

/**
 * The machine's host name, as the operating system holds it, read without a DNS lookup (which
 * {@code InetAddress.getLocalHost()} would make): the kernel's name on Linux, {@code COMPUTERNAME} on Windows,
 * {@code HOSTNAME} where a shell exported it. The default endpoint name, and the machine name announced near me.
 */
final class MachineName {

	private static final List<Path> FILES = List.of(Path.of("/proc/sys/kernel/hostname"), Path.of("/etc/hostname"));

	private MachineName() {
	}

	/** @return the host name, cut to {@value PeerEndPoint#MAX_NAME_LENGTH} characters, or {@code ""} if none is known */
	static String get() {
		return get(System::getenv, FILES);
	}

	static String get(Function<String, String> env, List<Path> files) {
		for (String variable : List.of("COMPUTERNAME", "HOSTNAME")) {
			String v = env.apply(variable);
			if (v != null && !v.isBlank()) {
				return cut(v.strip());
			}
		}
		for (Path f : files) {
			try {
				if (Files.isReadable(f) && Files.size(f) <= 4_096) {
					String v = Files.readString(f, StandardCharsets.UTF_8).strip();
					if (!v.isEmpty()) {
						return cut(v);
					}
				}
			}
			catch (IOException | RuntimeException e) {
				// the next source, or none
			}
		}
		return "";
	}

	private static String cut(String v) {
		return v.length() <= PeerEndPoint.MAX_NAME_LENGTH ? v : v.substring(0, PeerEndPoint.MAX_NAME_LENGTH);
	}
}
