import { render } from 'preact'
import { App } from './app.tsx'
import { LiveFeed } from './live.ts'
import './dashboard.css'

const feed = new LiveFeed()
feed.start()
render(<App feed={feed} />, document.getElementById('app') as HTMLElement)
