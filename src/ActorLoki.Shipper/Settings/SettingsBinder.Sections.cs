using System.Text.RegularExpressions;
using ActorLoki.Hocon;

namespace ActorLoki.Shipper.Settings;

/// <summary>One method per section of reference.conf, then the checks that span several keys.</summary>
internal sealed partial class SettingsBinder
{
    private const string DnsLabel = "a Kubernetes name: lowercase letters, digits and '-', at most 63 characters";
    private const string LabelName = "a Loki label name: letters, digits and '_', not starting with a digit or \"__\"";

    private static readonly HashSet<string> ManagedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Content-Type", "Content-Encoding", "Content-Length", "Host", "Authorization", "X-Scope-OrgID",
    };

    private ActorLokiSettings BindAll()
    {
        var settings = new ActorLokiSettings
        {
            ClusterName = String("actorloki.cluster-name"),
            Kubernetes = BindKubernetes(),
            Selection = BindSelection(),
            Tail = BindTail(),
            Labels = BindLabels(),
            Loki = BindLoki(),
            Positions = BindPositions(),
            Shutdown = new ShutdownSettings { DrainDeadline = Duration("actorloki.shutdown.drain-deadline") },
            Memory = new MemorySettings { Gen1Limit = Size("actorloki.memory.gen1-limit") },
            Http = BindHttp(),
            Logging = BindLogging(),
            Actors = new ActorSettings
            {
                Throughput = Int("actorloki.actors.throughput", 1),
                MailboxCapacity = Int("actorloki.actors.mailbox-capacity", 1),
            },
            Cluster = BindCluster(),
            Demo = BindDemo(),
            Check = new CheckSettings
            {
                DryRun = Boolean("actorloki.check.dry-run"),
                Timeout = Duration("actorloki.check.timeout"),
            },
            AkkaConfig = AkkaSection.Render(_root),
        };

        CheckAcrossSections(settings);
        return settings;
    }

    private KubernetesSettings BindKubernetes()
    {
        const string K = "actorloki.kubernetes.";
        var settings = new KubernetesSettings
        {
            Mode = Enum<KubernetesMode>(K + "mode", "auto", "in-cluster", "kubeconfig"),
            Kubeconfig = String(K + "kubeconfig"),
            Context = String(K + "context"),
            Namespaces = StringList(K + "namespaces", IsDnsLabel, DnsLabel),
            AllNamespaces = Boolean(K + "all-namespaces"),
            ConnectTimeout = Duration(K + "connect-timeout"),
            RequestTimeout = Duration(K + "request-timeout"),
            TokenRefreshInterval = Duration(K + "token-refresh-interval"),
            WatchTimeout = Duration(K + "watch-timeout"),
            WatchSilenceLimit = Duration(K + "watch-silence-limit"),
            ReconnectMinBackoff = Duration(K + "reconnect-min-backoff"),
            ReconnectMaxBackoff = Duration(K + "reconnect-max-backoff"),
        };

        AtMost(K + "reconnect-min-backoff", settings.ReconnectMinBackoff, K + "reconnect-max-backoff", settings.ReconnectMaxBackoff);
        if (settings.AllNamespaces && settings.Namespaces.Count > 0)
        {
            Warning(K + "namespaces", Find(K + "namespaces"), $"{K}namespaces is ignored because {K}all-namespaces = true");
        }

        return settings;
    }

    private SelectionSettings BindSelection()
    {
        const string S = "actorloki.selection.";
        const string Glob = "a non-empty glob pattern such as \"web-*\"";
        return new SelectionSettings
        {
            PodLabelSelector = String(S + "pod-label-selector"),
            PodFieldSelector = String(S + "pod-field-selector"),
            IncludePods = StringList(S + "include-pods", IsNotBlank, Glob),
            ExcludePods = StringList(S + "exclude-pods", IsNotBlank, Glob),
            IncludeContainers = StringList(S + "include-containers", IsNotBlank, Glob),
            ExcludeContainers = StringList(S + "exclude-containers", IsNotBlank, Glob),
            ExcludeAnnotation = String(S + "exclude-annotation"),
            IncludeInitContainers = Boolean(S + "include-init-containers"),
            ExcludeSelf = Boolean(S + "exclude-self"),
        };
    }

    private TailSettings BindTail()
    {
        const string T = "actorloki.tail.";
        var settings = new TailSettings
        {
            MaxLineBytes = Size(T + "max-line-bytes"),
            MaxLookback = Duration(T + "max-lookback", allowZero: true),
            SilenceFactor = Number(T + "silence-factor", 1, 1000),
            SilenceFloor = Duration(T + "silence-floor"),
            MaxStreamAge = Duration(T + "max-stream-age"),
            ReconnectMinBackoff = Duration(T + "reconnect-min-backoff"),
            ReconnectMaxBackoff = Duration(T + "reconnect-max-backoff"),
            DeletedPodGrace = Duration(T + "deleted-pod-grace", allowZero: true),
        };

        AtMost(T + "reconnect-min-backoff", settings.ReconnectMinBackoff, T + "reconnect-max-backoff", settings.ReconnectMaxBackoff);
        return settings;
    }

    private LabelSettings BindLabels()
    {
        const string L = "actorloki.labels.";
        return new LabelSettings
        {
            Static = StringMap(L + "static", IsLabelName, LabelName),
            FromPodLabels = StringMap(L + "from-pod-labels", IsLabelName, LabelName),
            FromPodAnnotations = StringMap(L + "from-pod-annotations", IsLabelName, LabelName),
            AppFrom = StringList(L + "app-from", IsNotBlank, "a pod label key"),
            PodAsStructuredMetadata = Boolean(L + "pod-as-structured-metadata"),
        };
    }

    private LokiSettings BindLoki()
    {
        const string L = "actorloki.loki.";
        var settings = new LokiSettings
        {
            Url = LokiUrl(L + "url"),
            TenantId = String(L + "tenant-id"),
            Format = Enum<LokiFormat>(L + "format", "protobuf", "json"),
            JsonGzip = Boolean(L + "json-gzip"),
            Timeout = Duration(L + "timeout"),
            Headers = StringMap(L + "headers", IsHeaderName, "an HTTP header name that ActorLoki does not set itself (not Content-Type, Content-Encoding, Authorization, X-Scope-OrgID...)"),
            BasicAuthUsername = String(L + "basic-auth-username"),
            BasicAuthPasswordFile = String(L + "basic-auth-password-file"),
            BearerTokenFile = String(L + "bearer-token-file"),
            TlsCaFile = String(L + "tls-ca-file"),
            TlsCertFile = String(L + "tls-cert-file"),
            TlsKeyFile = String(L + "tls-key-file"),
            TlsInsecureSkipVerify = Boolean(L + "tls-insecure-skip-verify"),
            MaxRequestBytes = Size(L + "max-request-bytes"),
            MaxLineBytes = Size(L + "max-line-bytes"),
            OnLongLine = Enum<LongLinePolicy>(L + "on-long-line", "truncate", "drop"),
            MaxLabelNames = Int(L + "max-label-names", 1, 1000),
            MaxLabelValueLength = Int(L + "max-label-value-length", 1),
            Batch = new BatchSettings
            {
                MaxBytes = Size(L + "batch.max-bytes"),
                MaxWait = Duration(L + "batch.max-wait"),
                MaxLines = Int(L + "batch.max-lines", 0),
            },
            Retry = new RetrySettings
            {
                MinBackoff = Duration(L + "retry.min-backoff"),
                MaxBackoff = Duration(L + "retry.max-backoff"),
                RandomFactor = Number(L + "retry.random-factor", 0, 1),
                MaxRetries = Int(L + "retry.max-retries", -1),
            },
            Buffer = new BufferSettings
            {
                MaxBytes = Size(L + "buffer.max-bytes"),
                WhenFull = Enum<BufferFullPolicy>(L + "buffer.when-full", "block", "drop-oldest"),
            },
        };

        AtMost(L + "retry.min-backoff", settings.Retry.MinBackoff, L + "retry.max-backoff", settings.Retry.MaxBackoff);
        BothOrNeither(L + "basic-auth-username", settings.BasicAuthUsername, L + "basic-auth-password-file", settings.BasicAuthPasswordFile);
        BothOrNeither(L + "tls-cert-file", settings.TlsCertFile, L + "tls-key-file", settings.TlsKeyFile);
        if (settings.BasicAuthUsername.Length > 0 && settings.BearerTokenFile.Length > 0)
        {
            Problem(L + "bearer-token-file", $"{L}bearer-token-file and {L}basic-auth-username are both set; use one way to authenticate");
        }

        if (settings.TlsInsecureSkipVerify)
        {
            Warning(L + "tls-insecure-skip-verify", Find(L + "tls-insecure-skip-verify"), $"{L}tls-insecure-skip-verify = true: Loki's certificate is not checked");
        }

        if (settings.Buffer.MaxBytes < settings.Batch.MaxBytes)
        {
            Problem(L + "buffer.max-bytes", $"{L}buffer.max-bytes = {HoconUnits.FormatByteSize(settings.Buffer.MaxBytes)}: expected at least {L}batch.max-bytes ({HoconUnits.FormatByteSize(settings.Batch.MaxBytes)}), or a batch could never fill");
        }

        return settings;
    }

    private PositionsSettings BindPositions()
    {
        const string P = "actorloki.positions.";
        var settings = new PositionsSettings
        {
            Store = Enum<PositionsStoreKind>(P + "store", "memory", "file", "configmap"),
            File = String(P + "file"),
            ConfigMapName = String(P + "configmap-name"),
            ConfigMapNamespace = String(P + "configmap-namespace"),
            SaveInterval = Duration(P + "save-interval"),
            Retention = Duration(P + "retention", allowZero: true),
        };

        if (settings.Store == PositionsStoreKind.File && string.IsNullOrWhiteSpace(settings.File))
        {
            Problem(P + "file", $"{P}file is empty: expected a file path when {P}store = file");
        }

        if (settings.Store == PositionsStoreKind.ConfigMap && !IsDnsSubdomain(settings.ConfigMapName))
        {
            Problem(P + "configmap-name", $"{P}configmap-name = {HoconRenderer.Quote(settings.ConfigMapName)}: expected a Kubernetes object name (lowercase letters, digits, '-' and '.') when {P}store = configmap");
        }

        if (settings.ConfigMapNamespace.Length > 0 && !IsDnsLabel(settings.ConfigMapNamespace))
        {
            Problem(P + "configmap-namespace", $"{P}configmap-namespace = {HoconRenderer.Quote(settings.ConfigMapNamespace)}: expected empty or {DnsLabel}");
        }

        return settings;
    }

    private HttpSettings BindHttp()
    {
        const string H = "actorloki.http.";
        var host = String(H + "host");
        if (string.IsNullOrWhiteSpace(host) && Find(H + "host") is { } value)
        {
            Error(H + "host", value, "an address to listen on, such as 0.0.0.0 or 127.0.0.1");
        }

        return new HttpSettings
        {
            Host = host,
            Port = Int(H + "port", 0, 65535),
            ReadyPushWindow = Duration(H + "ready-push-window"),
        };
    }

    private LoggingSettings BindLogging()
    {
        const string L = "actorloki.logging.";
        const string Levels = "one of Verbose, Debug, Information, Warning, Error, Fatal";
        var level = ShipperLogLevel.Information;
        if (Value(L + "level") is { } levelValue)
        {
            if (levelValue.TryGetString(out var text) && ParseLevel(text) is { } parsed)
            {
                level = parsed;
            }
            else
            {
                Error(L + "level", levelValue, Levels);
            }
        }

        var levels = new Dictionary<string, ShipperLogLevel>(StringComparer.Ordinal);
        if (Find(L + "levels") is HoconObject perSource)
        {
            foreach (var (source, value) in perSource.Fields)
            {
                if (value.TryGetString(out var text) && ParseLevel(text) is { } parsed)
                {
                    levels[source] = parsed;
                }
                else
                {
                    Error(L + "levels." + HoconPath.RenderKey(source, first: false), value, Levels);
                }
            }
        }
        else
        {
            StringMap(L + "levels");
        }

        return new LoggingSettings
        {
            Format = Enum<LogFormat>(L + "format", "auto", "text", "json"),
            Level = level,
            Levels = levels,
        };
    }

    private DemoSettings BindDemo()
    {
        const string D = "actorloki.demo.";
        return new DemoSettings
        {
            Duration = Duration(D + "duration"),
            SummaryInterval = Duration(D + "summary-interval"),
            Pods = Int(D + "pods", 1, 100),
            LinesPerSecond = Number(D + "lines-per-second", 0.1, 100_000),
            CrashInterval = Duration(D + "crash-interval"),
            JobInterval = Duration(D + "job-interval"),
            // Empty: the built-in receiver. Otherwise the same rules as loki.url (no password, a base URL gets the push path).
            LokiUrl = String(D + "loki-url").Length == 0 ? null : LokiUrl(D + "loki-url"),
            Verbose = Boolean(D + "verbose"),
            Replicas = Int(D + "replicas", 1, 9),
        };
    }

    private void CheckAcrossSections(ActorLokiSettings settings)
    {
        if (settings.ClusterName.Length > settings.Loki.MaxLabelValueLength)
        {
            Problem("actorloki.cluster-name", $"actorloki.cluster-name is {settings.ClusterName.Length} characters long: expected at most actorloki.loki.max-label-value-length ({settings.Loki.MaxLabelValueLength})");
        }

        if (settings.Loki.Buffer.MaxBytes < settings.Tail.MaxLineBytes)
        {
            Problem("actorloki.loki.buffer.max-bytes", $"actorloki.loki.buffer.max-bytes = {HoconUnits.FormatByteSize(settings.Loki.Buffer.MaxBytes)}: expected at least actorloki.tail.max-line-bytes ({HoconUnits.FormatByteSize(settings.Tail.MaxLineBytes)}), or one line could never be buffered");
        }
    }

    /// <summary>
    /// The push URL: absolute http or https. A URL without a path (http://loki:3100) is taken to be
    /// Loki's base URL and gets /loki/api/v1/push, as the aggregator's LOKI_URL was often written.
    /// </summary>
    private Uri LokiUrl(string key)
    {
        var fallback = new Uri("http://localhost:3100/loki/api/v1/push");
        var value = Value(key);
        if (value is null)
        {
            return fallback;
        }

        if (!value.TryGetString(out var text)
            || !Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri)
            || uri.Scheme is not ("http" or "https")
            || uri.Host.Length == 0)
        {
            Error(key, value, "an absolute http:// or https:// URL such as http://loki:3100/loki/api/v1/push");
            return fallback;
        }

        if (uri.UserInfo.Contains(':', StringComparison.Ordinal))
        {
            // Secrets live in files (basic-auth-password-file), never in a value that is printed or logged.
            Error(key, value, "a URL without a password; set basic-auth-username and basic-auth-password-file instead");
            return fallback;
        }

        return uri.AbsolutePath is "/" or "" ? new Uri(uri, "/loki/api/v1/push") : uri;
    }

    /// <summary>An error about a key whose value is already known to be bad, placed where the key was set.</summary>
    private void Problem(string key, string message) =>
        _problems.Add(new ConfigurationProblem(ProblemSeverity.Error, key, Find(key)?.Origin, message));

    private void AtMost(string minKey, TimeSpan min, string maxKey, TimeSpan max)
    {
        if (min > max)
        {
            Problem(minKey, $"{minKey} = {HoconUnits.FormatDuration(min)}: expected at most {maxKey} ({HoconUnits.FormatDuration(max)})");
        }
    }

    private void BothOrNeither(string firstKey, string first, string secondKey, string second)
    {
        if ((first.Length == 0) != (second.Length == 0))
        {
            var (setKey, unsetKey) = first.Length > 0 ? (firstKey, secondKey) : (secondKey, firstKey);
            Problem(unsetKey, $"{unsetKey} is empty but {setKey} is set: expected both or neither");
        }
    }

    private static bool IsNotBlank(string text) => !string.IsNullOrWhiteSpace(text);

    private static bool IsDnsLabel(string text) => text.Length <= 63 && DnsLabelPattern().IsMatch(text);

    private static bool IsDnsSubdomain(string text) => text.Length <= 253 && DnsSubdomainPattern().IsMatch(text);

    private static bool IsLabelName(string text) => LabelNamePattern().IsMatch(text) && !text.StartsWith("__", StringComparison.Ordinal);

    private static bool IsHeaderName(string text) => HeaderNamePattern().IsMatch(text) && !ManagedHeaders.Contains(text);

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex DnsLabelPattern();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", RegexOptions.CultureInvariant)]
    private static partial Regex DnsSubdomainPattern();

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex LabelNamePattern();

    [GeneratedRegex("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex HeaderNamePattern();
}
