namespace TaskFlow.InferenceWorker.Models;

public enum ModelProvider
{
    Ollama,
    OpenAI,
    Offline,
}
