namespace TaskFlow.LocalInfra;

/// <summary>A local server or service could not be started, found or stopped. The message says why and what to do.</summary>
public sealed class InfraException : Exception
{
    public InfraException()
    {
    }

    public InfraException(string message) : base(message)
    {
    }

    public InfraException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
