using Serilog.Core;
using Serilog.Events;
using Serilog.Parsing;

namespace ActorLoki.Logging;

/// <summary>
/// Gives each property the template's spelling of its name. Microsoft.Extensions.Logging matches names
/// case-insensitively, and source-generated methods with more than six parameters name a property after its
/// parameter (<c>namespace</c>, from <c>@namespace</c>, for <c>{Namespace}</c>), while Serilog renders only exact names:
/// without this, such a message would show <c>{Namespace}</c> and the JSON line would carry <c>namespace</c>.
/// </summary>
internal sealed class TemplatePropertyNames : ILogEventEnricher
{
    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        foreach (var token in logEvent.MessageTemplate.Tokens)
        {
            if (token is not PropertyToken property || logEvent.Properties.ContainsKey(property.PropertyName))
            {
                continue;
            }

            foreach (var (name, value) in logEvent.Properties)
            {
                if (string.Equals(name, property.PropertyName, StringComparison.OrdinalIgnoreCase))
                {
                    logEvent.RemovePropertyIfPresent(name);
                    logEvent.AddOrUpdateProperty(new LogEventProperty(property.PropertyName, value));
                    break;
                }
            }
        }
    }
}
